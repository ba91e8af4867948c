import Foundation
import VQEngine
import VQExchange
import VQJSON
import VQLanguage
import VQModel
import VQRender
import VQSimulation
import VQStore
import VQSupport

/// Tab completion from the parser's view of the statement being typed: the
/// parser notes what it would accept where the text ends (`Expectation`), and
/// the completer turns that into names from the schema, the session's
/// variables, the store's ids and enum values, or the file system.
public struct Completer {
    /// Characters that end the word being completed; the shell gives libedit the
    /// same set, so the word libedit replaces is the word completed here.
    public static let wordBreaks = " \t\n\"'`(),|=<>!;$+*"

    public var environment: Environment
    /// Where relative file names after `.read`, `.open`, `.output` are looked up.
    public var directory: String
    /// The ids of a collection's records (for `contract = "…` and `simulate cost of "…`).
    public var ids: (CollectionName) -> [String]

    public init(environment: Environment, directory: String, ids: @escaping (CollectionName) -> [String] = { _ in [] }) {
        self.environment = environment
        self.directory = directory
        self.ids = ids
    }

    /// The completions of the word that ends `text` (everything typed of the
    /// statement up to the cursor, earlier lines included): whole replacement
    /// words, sorted. One candidate that ends in `/`, `(` or a quote is complete
    /// without a following space.
    public func candidates(for text: String) -> [String] {
        let statement = Completer.currentStatement(text)
        let word = Completer.word(ending: statement)
        let before = String(statement.dropLast(word.count))
        let names: [String]
        if let meta = Completer.metaLine(statement) {
            names = metaCandidates(meta, word: word)
        } else if before.hasSuffix("$") {
            names = environment.parameters.keys.sorted() + environment.scalarNames
        } else if case .string(let quote)? = Lexer(statement).continuation(),
                  let open = Lexer(statement).tokens().last(where: { if case .invalid = $0.kind { true } else { false } }) {
            names = stringCandidates(before: String(statement[..<statement.utf8Index(open.range.start)]), quote: quote, word: word)
        } else {
            // The word may be a path (`contract.vendor.na`): the parser sees up to its last dot.
            let member = String(word.reversed().prefix { $0 != "." }.reversed())
            let prefix = String(word.dropLast(member.count))
            names = expectations(before + prefix).flatMap(names(for:)).map { prefix + $0 }
        }
        var seen = Set<ExactString>()
        return names.filter { $0.lowercased().hasPrefix(word.lowercased()) && seen.insert(ExactString($0)).inserted }
            .sorted { $0.codePointOrder($1) < 0 }
    }

    /// Candidates as two Tabs list them: without the part of the word they share
    /// before its last `.` (a path: `contract.vendor.` is not repeated on every
    /// line) or, after a meta-command, its last `/` (a file's folder), as shells
    /// list file names.
    public static func listed(_ candidates: [String], for text: String) -> [String] {
        let statement = currentStatement(text)
        let word = word(ending: statement)
        let separator: Character = metaLine(statement) != nil ? "/" : "."
        guard let last = word.lastIndex(of: separator) else { return candidates }
        let shared = word[...last]
        return candidates.map { $0.hasPrefix(shared) && $0.count > shared.count ? String($0.dropFirst(shared.count)) : $0 }
    }

    /// The word being completed: the end of `statement` after the last word break.
    private static func word(ending statement: String) -> String {
        String(statement.reversed().prefix { !wordBreaks.contains($0) }.reversed())
    }

    // MARK: Where the cursor is

    /// The text of the statement the cursor is in: after the last `;` or the
    /// last line break that ends a statement (as a script would be split).
    static func currentStatement(_ text: String) -> String {
        var start = text.startIndex
        for token in Lexer(text).tokens() {
            let end = text.utf8Index(token.range.end)
            if token.isSymbol(";") {
                start = end
            } else if token.kind == .newline {
                let before = text[start..<text.utf8Index(token.range.start)]
                let after = text[end...].drop { $0.isWhitespace }
                if Lexer(String(before)).continuation() == nil, !after.hasPrefix("|") { start = end }
            }
        }
        return String(text[start...])
    }

    /// A meta-command being typed: its name and everything after it, when the statement is one.
    static func metaLine(_ statement: String) -> (name: String, rest: String?)? {
        let line = statement.drop { $0 == " " || $0 == "\t" }
        guard line.hasPrefix(".") else { return nil }
        let body = line.dropFirst()
        guard let space = body.firstIndex(where: { $0 == " " || $0 == "\t" }) else { return (String(body), nil) }
        return (String(body[..<space]), String(body[space...].drop { $0 == " " || $0 == "\t" }))
    }

    /// What the parser would accept at the end of `text`.
    func expectations(_ text: String) -> [Expectation] {
        let source = SourceText(text)
        let tokens = Lexer(source).statements().last?.tokens ?? []
        var parser = Parser(tokens: tokens, source: source)
        parser.collectsExpectations = true
        _ = try? parser.statement()
        let found = parser.expectations
        // At a statement's start a bare expression is possible too, but its names would bury the sources.
        if found.contains(where: { if case .statement = $0 { true } else { false } }) {
            return found.filter { if case .value = $0 { false } else { true } }
        }
        return found
    }

    // MARK: Names

    static let statementKeywords = ["let", "param", "simulate", "insert into", "update", "delete from", "import into", "undo"]
    static var helpTopics: [String] { Help.topics + MetaCommand.all.map(\.name) + CollectionName.allCases.map(\.rawValue) }

    func names(for expectation: Expectation) -> [String] {
        switch expectation {
        case .statement: Completer.statementKeywords + sources
        case .source: sources
        case .collection: CollectionName.allCases.map(\.rawValue)
        case .stage: Parser.stages
        case .keyword(let word): [word]
        case .value(let query): valueNames(in: scope(of: query))
        case .member(let path, let query): memberNames(path, in: scope(of: query))
        case .lever: Lever.allCases.map(\.rawValue)
        case .settableField(let c): c.spec.fields.map(\.name).filter { $0 != "id" || !c.spec.hasID }
        case .importField(let c): c.spec.fields.map(\.name) + ["_"]
        }
    }

    private var sources: [String] {
        var names = CollectionName.allCases.map(\.rawValue)
        names += environment.variables.compactMap { if case .relation = $0.value { $0.key } else { nil } }
        if environment.last != nil { names.append("_") }
        return names
    }

    private var functionNames: [String] {
        (Array(Functions.aggregates.keys) + Array(Functions.scalars.keys)).map { $0 + "(" }
    }

    private func valueNames(in scope: Scope?) -> [String] {
        var names = functionNames + environment.scalarNames + ["true", "false", "null", "not"]
        switch scope {
        case .records(let c)?: names += Compiler.memberNames(of: c)
        case .columns(let columns)?: names += columns.filter(Completer.isPath)
        case .groups(let keys, let member)?: names += keys.filter(Completer.isPath) + valueNames(in: member)
        default: break
        }
        return names
    }

    /// Members after `a.b.`: fields of the collection the path leads to.
    private func memberNames(_ path: [String], in scope: Scope?) -> [String] {
        guard let collection = Completer.collection(at: path, in: scope) else { return [] }
        return Compiler.memberNames(of: collection)
    }

    /// The collection a path of references and lists leads to from a scope's records.
    static func collection(at path: [String], in scope: Scope?) -> CollectionName? {
        guard var collection = Completer.recordCollection(scope) else { return nil }
        for name in path {
            if case .ref(let target)? = collection.spec.field(name)?.type {
                collection = target
            } else if let child = CollectionName(rawValue: name), Schema.children(of: collection).contains(where: { $0.child == child }) {
                collection = child
            } else {
                return nil
            }
        }
        return collection
    }

    private static func recordCollection(_ scope: Scope?) -> CollectionName? {
        switch scope {
        case .records(let c)?: c
        case .groups(_, let member)?: recordCollection(member)
        default: nil
        }
    }

    private static func isPath(_ name: String) -> Bool {
        !name.isEmpty && name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy(Lexer.isName)
    }

    /// What a pipeline's rows are, from its source and stages, without running it.
    func scope(of query: Query?) -> Scope? {
        guard let query else { return .constant }
        var scope: Scope?
        switch query.source {
        case .named(let name, _):
            if let c = CollectionName(rawValue: name) {
                scope = .records(c)
            } else if name == "_" {
                if case .relation(let r)? = environment.last { scope = r.scope }
            } else if case .relation(let r)? = environment.variables[name] {
                scope = r.scope
            }
        case .subquery(let inner):
            scope = self.scope(of: inner)
        }
        for stage in query.stages {
            switch stage.kind {
            case .select(let items):
                scope = .columns(items.flatMap { item -> [String] in
                    switch item {
                    case .expression(_, let name): [name]
                    case .star:
                        switch scope {
                        case .records(let c)?: c.spec.fields.map(\.name)
                        default: scope?.columnNames ?? []
                        }
                    }
                })
            case .group(let keys):
                scope = scope.map { .groups(keys: keys.map(\.name), member: $0) }
            case .count:
                scope = .constant
            case .filter, .order, .limit, .distinct:
                break
            }
        }
        return scope
    }

    // MARK: Inside a string

    /// After `field = "`, `field != "` or inside `field in ("a", "`: the field's
    /// enum values or the ids it refers to; after `simulate … of "`: contract ids.
    private func stringCandidates(before text: String, quote: Character, word: String) -> [String] {
        let tokens = Lexer(text).tokens().filter { $0.kind != .newline && $0.kind != .end }
        var i = tokens.count - 1
        guard i >= 0 else { return [] }
        let closing = String(quote)
        if tokens[i].isKeyword("of"), tokens.contains(where: { $0.isKeyword("simulate") }) {
            return ids(.contracts).map { $0 + closing }
        }
        if tokens.first?.isKeyword("import") == true {
            return importCandidates(after: tokens[i], in: tokens, word: word, closing: closing)
        }
        // Inside an `in (…)` list, step back to the field before `in`.
        while i >= 1, tokens[i].isSymbol(",") || tokens[i].isSymbol("(") {
            if tokens[i].isSymbol("("), tokens[i - 1].isKeyword("in") { i -= 2; break }
            i -= 1
            if case .string = tokens[i].kind { i -= 1 }
        }
        if i >= 0, tokens[i].isSymbol("=") || tokens[i].isSymbol("!=") { i -= 1 }
        // The path before the operator.
        var path: [String] = []
        while i >= 0, let name = tokens[i].identifier {
            path.insert(name, at: 0)
            if i >= 1, tokens[i - 1].isSymbol(".") { i -= 2 } else { break }
        }
        guard let field = path.last else { return [] }
        let scope = expectations(text).lazy.compactMap { e -> Scope? in
            if case .value(let q) = e { return self.scope(of: q) }
            return nil
        }.first ?? nil
        guard let owner = Completer.collection(at: path.dropLast(), in: scope) else { return [] }
        switch owner.spec.field(field)?.type {
        case .oneOf(let values)?: return values.map { $0 + closing }
        case .ref(let target)?: return ids(target).map { $0 + closing }
        default: return field == "id" ? ids(owner).map { $0 + closing } : []
        }
    }

    /// Inside an import's strings: the files it can read after `from`, a workbook's sheets after `sheet`.
    private func importCandidates(after keyword: Token, in tokens: [Token], word: String, closing: String) -> [String] {
        if keyword.isKeyword("from") {
            return files(word, directoriesOnly: false).compactMap { name in
                if name.hasSuffix("/") { return name }
                let ext = (name as NSString).pathExtension.lowercased()
                return Importer.extensions.contains(ext) ? name + closing : nil
            }
        }
        if keyword.isKeyword("sheet"), let from = tokens.firstIndex(where: { $0.isKeyword("from") }), from + 1 < tokens.count,
           case .string(let file) = tokens[from + 1].kind {
            let path = file.hasPrefix("/") ? file : (directory as NSString).appendingPathComponent(file)
            return Importer.sheetNames(URL(fileURLWithPath: path)).map { $0 + closing }
        }
        return []
    }

    // MARK: Meta-commands

    private func metaCandidates(_ meta: (name: String, rest: String?), word: String) -> [String] {
        guard let rest = meta.rest else {
            return MetaCommand.names.map { "." + $0 }
        }
        guard let command = MetaCommand.named(meta.name) else { return [] }
        // A path may hold spaces; other arguments are one word.
        guard !rest.contains(" ") || [.file, .directory].contains(command.argument) else { return [] }
        switch command.argument {
        case .none: return []
        case .choice(let words): return words
        case .collection: return CollectionName.allCases.map(\.rawValue)
        case .helpTopic: return Completer.helpTopics
        case .file: return files(word, directoriesOnly: false)
        case .directory: return files(word, directoriesOnly: true)
        }
    }

    /// Entries of the directory named by `word` up to its last `/`, directories with a `/`.
    private func files(_ word: String, directoriesOnly: Bool) -> [String] {
        let slash = word.lastIndex(of: "/")
        let folder = slash.map { String(word[...$0]) } ?? ""
        let name = slash.map { String(word[word.index(after: $0)...]) } ?? word
        var path = folder.hasPrefix("~/") ? NSHomeDirectory() + folder.dropFirst() : folder
        if !path.hasPrefix("/") { path = (directory as NSString).appendingPathComponent(path) }
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [] }
        return entries.filter { !$0.hasPrefix(".") || name.hasPrefix(".") }.compactMap { entry in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(entry), isDirectory: &isDirectory)
            else { return nil }
            if directoriesOnly, !isDirectory.boolValue { return nil }
            return folder + entry + (isDirectory.boolValue ? "/" : "")
        }
    }
}

extension String {
    /// The index of a UTF-8 offset (token ranges are UTF-8 offsets).
    func utf8Index(_ offset: Int) -> String.Index {
        utf8.index(utf8.startIndex, offsetBy: min(offset, utf8.count))
    }
}
