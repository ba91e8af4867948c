import VQEngine
import VQJSON
import VQLanguage
import VQModel
import VQRender
import VQSimulation
import VQStore
import VQSupport

/// Texts for `.help` and `.describe`.
enum Help {
    /// Topics besides meta-commands and collections.
    static let topics = ["statements", "stages", "functions", "levers", "formats", "money", "simulate", "import"]

    static func text(topic: String?) -> String {
        switch topic.map({ String($0.lowercased().trimmingPrefix(".")) }) {
        case nil:
            return """
            vq — query your vendors, contracts, KPIs, risks and costs.

              vendors where on_time < 95% | order by spend desc | limit 5
              contracts | group by vendor.category | select vendor.category, count(), sum(value)
              let late = vendors where on_time < 95%
              late | select name, on_time, count(contracts)

            Collections: \(CollectionName.allCases.map(\.rawValue).joined(separator: ", "))
            Topics: .help statements, stages, functions, levers, formats, money, simulate, import, a meta-command or a collection
            Meta-commands:

            """ + MetaCommand.all.map { "  " + $0.usage.padding(42) + $0.summary }.joined(separator: "\n") + "\n"
            + "\nTab completes names where you are; Ctrl-R searches the history; Ctrl-C stops a statement.\n"
        case "statements"?, "query"?, "let"?, "param"?, "insert"?, "update"?, "delete"?, "undo"?:
            return """
            Statements (one per line; a line ending in | or , or an open bracket or string goes on; ; separates):
              QUERY                                  a source and stages:  vendors where rating < 3 | count
              let NAME = QUERY | EXPR                keep a result:        let late = vendors where on_time < 95%
              param NAME = EXPR                      a script parameter:   param target = 95%   (then $target)
              EXPR                                   a value:              $target * 100
              simulate cost|risk [of …] [with LEVER = VALUE, …] [solve …] [each] [trials N] [seed S]
                                                     a what-if:            simulate cost of "C-00042" with discount = 5%
              _                                      the previous result:  _ | where spend > 1m
              insert into C {FIELD: VALUE, …} | [{…}, …]   add records
              update C set FIELD = EXPR, … [where COND]    change records
              delete from C [where COND] [cascade]         remove records (cascade: and those that refer to them)
              import into C from "FILE" […]               add or update records from a file (.help import)
              undo                                         revert this session's last change

            """
        case "import"?:
            return """
            import into C from "FILE" [sheet "NAME"] [encoding "gb18030"] [map "Header" as field, …] [on conflict update] [dry run]
              FILE: .csv (UTF-8, UTF-16 or GB18030; comma, semicolon or tab), .xlsx, .json (an array), .jsonl
              Columns match fields by name (case, spaces, - and _ ignored) or by map; "Header" as _ leaves one out.
              Every row is checked as an insert; all problems are listed and then nothing changes.
              on conflict update: a row naming an existing record (id; kpi and period) updates it.
              dry run: check and count, change nothing.   undo reverts an import.
              example: import into measurements from "kpi-2026-11.csv" on conflict update
            """
        case "levers"?:
            return "Levers of simulate … with (omitted ones take the contract's own data):\n"
                + Lever.allCases.map { "  " + $0.rawValue.padding(22) + $0.meaning + " (default: \($0.defaultText))" }.joined(separator: "\n")
                + "\n\nExample: simulate cost of \"C-00042\" with change_requests = 3, discount = 5%\n"
        case "stages"?:
            return """
            A query is a source followed by stages, each applied to the rows the one before produced:
              where COND                      keep the rows where COND is true
              select EXPR [as NAME], … | *    compute columns (aggregates without group by: one row)
              order by EXPR [asc|desc], …     stable sort; nulls last (also: sort by)
              limit N                         the first N rows (also: take N)
              group by EXPR [as NAME], …      one row per key; then select keys and aggregates
              count                           the number of rows
              distinct                        drop repeated rows

            """
        case "simulate"?, "simulation"?, "simulations"?:
            return """
            simulate cost [of TARGET] [with LEVER = VALUE, …] [solve …] [each] [trials N] [seed S]
            simulate risk [of TARGET] [with risk_multiplier = M] [trials N] [seed S]
              TARGET: a contract id in quotes, a $param holding one, a variable, or (a query); none: the active contracts
              simulate cost of "C-00042" with discount = 5%, change_requests = 3
              simulate cost of "C-00042" with discount = 0%..10% step 2%          a sweep (one or two levers)
              simulate cost of "C-00042" solve discount for p80 <= budget_cap      a goal seek
                (statistics: expected mean p10 p50 p80 p90 p_over_budget; targets: a number, budget_cap, value)
              simulate cost of (contracts where title contains "RFP-7") each       compare bids, lowest P80 first
            The cost is an estimate at completion: what is recorded to date, plus the forecast to complete
            (base, delay, changes, risks, less credits), in the reporting currency. .help levers lists the levers.

            """
        case "money"?:
            return """
            Money knows its currency: a contract's value, budget_cap and change_request_cost, and the money of
            records on a contract (costs, change requests, kpi penalties, its risks' impact), are in its currency
            (the budget cap in budget_currency when given). .describe C says which fields are money.
              1.2m USD, 500k CNY               money literals (an ISO 4217 code, in capitals)
              value * 0.9, spend / budget_cap  money × or ÷ a number is money; money ÷ money a number
              sum(value), value > 2m USD       several currencies convert to the reporting currency (a comparison:
                                               to the literal's), each at its own day: a cost at its period,
                                               forward-looking money at today's rate; with none set, an error
              convert(value, "EUR"[, date])    convert explicitly, with the rates collection
              .currency [CODE|none]            the reporting currency (also --currency, settings.json)
              group by currency                one currency at a time needs no rates

            """
        case "functions"?:
            return "Functions:\n" + Functions.catalogue.map { "  " + $0.usage.padding(24) + $0.summary }.joined(separator: "\n") + "\n"
        case "formats"?, "mode"?:
            return "Output formats (.mode or --format): " + OutputFormat.allCases.map(\.rawValue).joined(separator: ", ") + "\n"
                + "Workbooks: -o FILE.xlsx, .output FILE.xlsx or .once FILE.xlsx (one sheet per result)\n"
        case let name?:
            if let m = MetaCommand.named(name) {
                return m.usage + "\n  " + m.summary + "\n  example: " + m.example + "\n"
            }
            if let c = CollectionName(rawValue: name) { return describe(c, records: nil, extraFields: []) }
            let near = Suggest.closest(to: name, in: topics + MetaCommand.all.map(\.name) + CollectionName.allCases.map(\.rawValue))
            return "No help on '\(name)'." + (near.map { " Did you mean '\($0)'?" } ?? "")
                + " Topics: \(topics.joined(separator: ", ")), a meta-command or a collection.\n"
        }
    }

    static func describe(_ c: CollectionName, records: String?, extraFields: [String]) -> String {
        let spec = c.spec
        var out = "\(c.rawValue)" + (records.map { " — \($0) records" } ?? "") + "\n\nStored fields:\n"
        for f in spec.fields {
            out += "  " + f.name.padding(26) + f.type.description + (f.optional ? " (optional)" : "")
            if let r = f.range {
                out += r.upperBound == .infinity ? (f.aboveLowerBound ? " > " : " ≥ ") + ValueText.raw(r.lowerBound)
                    : " \(ValueText.raw(r.lowerBound))–\(ValueText.raw(r.upperBound))"
            }
            if let money = f.money { out += ", " + money.description }
            out += "\n"
        }
        let extra = extraFields.filter { spec.field($0) == nil }
        if !extra.isEmpty { out += "\nOther fields in the file (kept as they are):\n" + extra.map { "  " + $0 + "\n" }.joined() }
        let derived = DerivedField.on(c)
        if !derived.isEmpty {
            out += "\nDerived fields:\n" + derived.map {
                "  " + $0.name.padding(26) + ($0.money == nil ? $0.type.description : "money").padding(8) + $0.definition
                    + ($0.money.map { "; in " + $0 } ?? "") + "\n"
            }.joined()
        }
        let refs = spec.references
        let children = Schema.children(of: c)
        if !refs.isEmpty || !children.isEmpty {
            out += "\nRelations:\n"
            out += refs.map { "  " + $0.field.padding(26) + "→ one \($0.target.singular) (\($0.target.rawValue).id)\n" }.joined()
            out += children.map { "  " + $0.child.rawValue.padding(26) + "→ the \($0.child.rawValue) whose \($0.field) is this \(c.singular)\n" }.joined()
        }
        return out
    }
}

