import Foundation
import VQJSON
import VQModel
import VQStore
import VQSupport

/// How one model field is kept in its typed column.
enum ColumnKind {
    case text, numeric, integer, boolean, date, month, list

    init(_ type: FieldType) {
        switch type {
        case .string, .currency, .ref, .oneOf: self = .text
        case .number: self = .numeric
        case .int: self = .integer
        case .bool: self = .boolean
        case .date: self = .date
        case .month: self = .month
        case .list: self = .list
        }
    }

    var sqlType: String {
        switch self {
        case .text, .month: "text"
        case .numeric: "numeric"
        case .integer: "bigint"
        case .boolean: "boolean"
        case .date: "date"
        case .list: "json"
        }
    }

    /// The column's text for a value, when the column gives back exactly this
    /// value; nil sends it to the record's `vq_extra` (a number PostgreSQL would
    /// write another way, such as `1e6`, an impossible date, a null, a string
    /// where a number belongs).
    func text(_ value: JSONValue) -> String? {
        switch (self, value) {
        case (.text, .string(let s)):
            return s.utf8.contains(0) ? nil : s  // text cannot hold U+0000; json can
        case (.numeric, .number(let n)):
            return Self.isPlainDecimal(n.text, fractionAllowed: true) ? n.text : nil
        case (.integer, .number(let n)):
            return Self.isPlainDecimal(n.text, fractionAllowed: false) && n.text.utf8.count <= 18 ? n.text : nil
        case (.boolean, .bool(let b)):
            return b ? "t" : "f"
        case (.date, .string(let s)):
            return Dates.parseDate(s).map(Dates.format(day:)) == s ? s : nil
        case (.month, .string(let s)):
            return Dates.parseMonth(s).map(Dates.format(month:)) == s ? s : nil
        case (.list, .array):
            return JSONWriter.string(value)
        default:
            return nil
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`, not a negative zero: the text numeric keeps as it is.
    static func isPlainDecimal(_ text: String, fractionAllowed: Bool) -> Bool {
        var bytes = Substring(text).utf8[...]
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { bytes = bytes.dropFirst() }
        let whole = bytes.prefix { $0 >= 0x30 && $0 <= 0x39 }
        guard !whole.isEmpty, whole.count == 1 || whole.first != 0x30 else { return false }
        var rest = bytes.dropFirst(whole.count)
        var nonZero = whole.contains { $0 != 0x30 }
        if rest.first == UInt8(ascii: ".") {
            guard fractionAllowed else { return false }
            rest = rest.dropFirst()
            let fraction = rest.prefix { $0 >= 0x30 && $0 <= 0x39 }
            guard !fraction.isEmpty else { return false }
            nonZero = nonZero || fraction.contains { $0 != 0x30 }
            rest = rest.dropFirst(fraction.count)
        }
        return rest.isEmpty && (!negative || nonZero)
    }

    /// Gives a sink a column's (unescaped) text as the value it is.
    func give<S: RecordSink>(_ field: Int, _ text: UnsafeBufferPointer<UInt8>, to sink: inout S) throws(StoreError) {
        switch self {
        case .text, .date, .month: sink.string(field, text)
        case .numeric, .integer: try sink.number(field, text)
        case .boolean: sink.bool(field, text.first == UInt8(ascii: "t"))
        case .list: try sink.field(field, json: text)
        }
    }

    /// Appends the JSON of a column's (unescaped) text.
    func appendJSON(_ text: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        switch self {
        case .text, .date, .month: JSONWriter.writeString(bytes: text, into: &out)
        case .numeric, .integer, .list: out.append(contentsOf: text)
        case .boolean: out += (text.first == UInt8(ascii: "t") ? "true" : "false").utf8
        }
    }
}

/// A collection's records as rows of its table and back: each model field in
/// its typed column, and what a column cannot hold exactly (fields the model
/// does not know, nulls, values of another type) in `vq_extra`, a `json`
/// object that keeps their text and order. `vq_keys` holds a record's key
/// order when it is not the usual one (model fields first, in model order),
/// or when a model field's value is in `vq_extra`: without it, `vq_extra`
/// holds only fields the model does not know, which follow the columns.
struct RowCodec {
    let collection: CollectionName
    let names: [String]
    let kinds: [ColumnKind]

    init(_ collection: CollectionName) {
        self.collection = collection
        names = collection.spec.fields.map(\.name)
        kinds = collection.spec.fields.map { ColumnKind($0.type) }
    }

    /// The columns a record is read from, in order (its position and version are not needed to read it).
    var recordColumns: String { fieldColumns + ", vq_keys, vq_extra" }
    /// The model fields' columns alone: enough for a collection no row of which has keys or extra.
    var fieldColumns: String { names.map(DatabaseSchema.quoted).joined(separator: ", ") }
    /// The columns a row is written with: its position and version, then its record's.
    var rowColumns: String { "vq_pos, vq_version, " + recordColumns }

    struct Row {
        var columns: [String?]
        var keys: String?
        var extra: String?
    }

    func encode(_ record: JSONObject) -> Row {
        var columns = [String?](repeating: nil, count: names.count)
        var taken = [Bool](repeating: false, count: names.count)
        var extra = JSONObject()
        var misfit = false
        // Which field each key is, and whether its value went to a column.
        var placed: [(key: String, field: Int?)] = []
        for (key, value) in zip(record.keys, record.values) {
            let f = names.firstIndex { $0.utf8.elementsEqual(key.utf8) }
            if let f, !taken[f] {
                taken[f] = true
                if let text = kinds[f].text(value) { columns[f] = text } else {
                    extra.keys.append(key)
                    extra.values.append(value)
                    misfit = true
                }
                placed.append((key, f))
            } else {
                extra.keys.append(key)
                extra.values.append(value)
                placed.append((key, nil))
            }
        }
        // The order a record read back gets without `vq_keys`: model fields in model order, then the rest.
        let usual = placed.filter { $0.field != nil }.sorted { $0.field! < $1.field! } + placed.filter { $0.field == nil }
        let keys = !misfit && usual.map(\.key).elementsEqual(record.keys, by: { $0.utf8.elementsEqual($1.utf8) })
            ? nil : JSONWriter.string(.array(record.keys.map { .string($0) }))
        return Row(columns: columns, keys: keys, extra: extra.keys.isEmpty ? nil : JSONWriter.string(.object(extra)))
    }

    /// One row in COPY's text format: position, version, columns, keys, extra.
    func appendCopyLine(_ row: Row, position: Int64, version: Int64, into out: inout [UInt8]) {
        out += String(position).utf8
        out.append(0x09)
        out += String(version).utf8
        for value in row.columns + [row.keys, row.extra] {
            out.append(0x09)
            Copy.appendField(value, into: &out)
        }
        out.append(0x0A)
    }

    /// `"name": ` of each field, as the usual record writes it.
    var keyBytes: [[UInt8]] { names.map { Array("\"\($0)\": ".utf8) } }

    /// Turns COPY lines into records for a sink; one per thread.
    struct Decoder {
        let codec: RowCodec
        private var pieces: [(key: Int, start: Int, end: Int)] = []
        private var scratch: [UInt8] = []
        private var record: [UInt8] = []

        /// Whether lines hold the model fields' columns alone (`fieldColumns`), else keys and extra too.
        let fieldsOnly: Bool

        init(_ codec: RowCodec, fieldsOnly: Bool) {
            self.codec = codec
            self.fieldsOnly = fieldsOnly
        }

        /// Gives `sink` the record of one COPY line (columns, then keys and extra unless `fieldsOnly`).
        mutating func decode<S: RecordSink>(line: UnsafeBufferPointer<UInt8>, into sink: inout S) throws(StoreError) {
            var fields = Copy.Fields(line)
            // Without keys (the usual record), each column is a field, and the extra fields, if any, follow.
            let usual = fieldsOnly || fields.keysAreNull
            pieces.removeAll(keepingCapacity: true)
            scratch.removeAll(keepingCapacity: true)
            for f in 0..<codec.names.count {
                guard let field = fields.next() else { throw StoreError("the database sent a short row of \(codec.collection.rawValue)") }
                guard let raw = field else { continue }
                if usual {
                    try Copy.unescape(raw) { (text) throws(StoreError) in try codec.kinds[f].give(f, text, to: &sink) }
                } else {
                    let start = scratch.count
                    Copy.unescape(raw) { codec.kinds[f].appendJSON($0, into: &scratch) }
                    pieces.append((f, start, scratch.count))
                }
            }
            if usual {
                if !fieldsOnly, let extra = fields.last {
                    try Copy.unescape(extra) { (json) throws(StoreError) in try sink.extras(json: json) }
                }
            } else {
                let keys = fields.next().flatMap { $0.map { Copy.string($0) } }
                let extra = fields.next().flatMap { $0.map { Copy.string($0) } }
                record.removeAll(keepingCapacity: true)
                try codec.appendUnusual(pieces, scratch, keys: keys, extra: extra, into: &record)
                try record.withUnsafeBufferPointer { (json) throws(StoreError) in try sink.record(json: json) }
            }
            sink.endRecord()
        }
    }

    /// A record with fields outside its columns, or keys in another order.
    func appendUnusual(_ pieces: [(key: Int, start: Int, end: Int)], _ scratch: [UInt8], keys: String?, extra: String?,
                               into out: inout [UInt8]) throws(StoreError) {
        var pairs: [(key: String, json: [UInt8])] = []
        var extraPairs: [(key: String, json: [UInt8])] = []
        if let extra {
            guard case .object(let object)? = try? JSONReader.parse(extra) else {
                throw StoreError("the database holds a vq_extra of \(collection.rawValue) that is not a JSON object")
            }
            for (k, v) in zip(object.keys, object.values) {
                var json: [UInt8] = []
                JSONWriter.write(v, into: &json)
                extraPairs.append((k, json))
            }
        }
        // Model fields in model order, each from its column or else from the extra object; then the rest of it.
        var piece = pieces[...]
        for (f, name) in names.enumerated() {
            if let p = piece.first, p.key == f {
                pairs.append((name, Array(scratch[p.start..<p.end])))
                piece = piece.dropFirst()
            } else if let e = extraPairs.firstIndex(where: { $0.key.utf8.elementsEqual(name.utf8) }) {
                pairs.append(extraPairs.remove(at: e))
            }
        }
        pairs += extraPairs
        if let keys {
            guard case .array(let order)? = try? JSONReader.parse(keys) else {
                throw StoreError("the database holds a vq_keys of \(collection.rawValue) that is not a JSON array")
            }
            var ordered: [(key: String, json: [UInt8])] = []
            for case .string(let k) in order {
                if let i = pairs.firstIndex(where: { $0.key.utf8.elementsEqual(k.utf8) }) { ordered.append(pairs.remove(at: i)) }
            }
            pairs = ordered + pairs
        }
        out.append(UInt8(ascii: "{"))
        for (i, pair) in pairs.enumerated() {
            if i > 0 { out += ", ".utf8 }
            JSONWriter.writeString(pair.key, into: &out)
            out += ": ".utf8
            out += pair.json
        }
        out.append(UInt8(ascii: "}"))
    }
}

/// COPY's text format: tab-separated fields, `\N` for NULL, backslash escapes.
enum Copy {
    static func appendField(_ value: String?, into out: inout [UInt8]) {
        guard let value else { out += "\\N".utf8; return }
        for b in value.utf8 {
            switch b {
            case UInt8(ascii: "\\"): out += "\\\\".utf8
            case 0x0A: out += "\\n".utf8
            case 0x0D: out += "\\r".utf8
            case 0x09: out += "\\t".utf8
            default: out.append(b)
            }
        }
    }

    /// The fields of one line (its line break excluded); nil for NULL.
    struct Fields: IteratorProtocol {
        let line: UnsafeBufferPointer<UInt8>
        var start = 0
        init(_ line: UnsafeBufferPointer<UInt8>) {
            var n = line.count
            if n > 0, line[n - 1] == 0x0A { n -= 1 }
            self.line = UnsafeBufferPointer(rebasing: line[0..<n])
        }
        /// Where the last field starts (a tab in a value is written `\t`, so a tab byte always separates).
        private var lastStart: Int {
            var i = line.count
            while i > 0, line[i - 1] != 0x09 { i -= 1 }
            return i
        }

        /// Whether the next-to-last field (`vq_keys`) is NULL.
        var keysAreNull: Bool {
            let s = lastStart
            return s >= 4 && line[s - 4] == 0x09 && line[s - 3] == 0x5C && line[s - 2] == 0x4E
        }

        /// The last field (`vq_extra`), nil when NULL.
        var last: UnsafeBufferPointer<UInt8>? {
            let field = UnsafeBufferPointer(rebasing: line[lastStart...])
            return field.count == 2 && field[0] == 0x5C && field[1] == 0x4E ? nil : field
        }

        mutating func next() -> UnsafeBufferPointer<UInt8>?? {
            guard start <= line.count else { return nil }
            var end = start
            while end < line.count, line[end] != 0x09 { end += 1 }
            let field = UnsafeBufferPointer(rebasing: line[start..<end])
            start = end + 1
            if field.count == 2, field[0] == UInt8(ascii: "\\"), field[1] == UInt8(ascii: "N") { return .some(nil) }
            return .some(field)
        }
    }

    /// Hands `body` the field's bytes with COPY's escapes undone (in place when it has none).
    @inline(__always)
    static func unescape<E: Error>(_ field: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> Void) throws(E) {
        guard field.contains(UInt8(ascii: "\\")) else { return try body(field) }
        var out: [UInt8] = []
        out.reserveCapacity(field.count)
        var i = 0
        while i < field.count {
            let b = field[i]
            if b == UInt8(ascii: "\\"), i + 1 < field.count {
                i += 1
                switch field[i] {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "v"): out.append(0x0B)
                default: out.append(field[i])
                }
            } else {
                out.append(b)
            }
            i += 1
        }
        try out.withUnsafeBufferPointer { (bytes) throws(E) in try body(bytes) }
    }

    static func string(_ field: UnsafeBufferPointer<UInt8>) -> String {
        var s = ""
        unescape(field) { s = String(decoding: $0, as: UTF8.self) }
        return s
    }

    /// A position's text (no sign: positions are positive).
    static func integer(_ field: UnsafeBufferPointer<UInt8>?) -> Int64? {
        guard let field, !field.isEmpty, field.count <= 18 else { return nil }
        var n: Int64 = 0
        for b in field {
            guard b >= 0x30, b <= 0x39 else { return nil }
            n = n * 10 + Int64(b - 0x30)
        }
        return n
    }
}

/// Where decoded records go: the table being built, or a file's text (`vq copy` out).
protocol RecordSink: SendableMetatype {
    mutating func string(_ field: Int, _ bytes: UnsafeBufferPointer<UInt8>)
    mutating func number(_ field: Int, _ text: UnsafeBufferPointer<UInt8>) throws(StoreError)
    mutating func bool(_ field: Int, _ value: Bool)
    mutating func field(_ field: Int, json: UnsafeBufferPointer<UInt8>) throws(StoreError)
    mutating func record(json: UnsafeBufferPointer<UInt8>) throws(StoreError)
    /// The fields the model does not know, after those given so far, as a JSON object.
    mutating func extras(json: UnsafeBufferPointer<UInt8>) throws(StoreError)
    mutating func endRecord()
    /// Appends the records another sink took (the later rows of the same table).
    mutating func append(_ other: Self)
}

extension RowLoader: RecordSink {}

/// Records as a store file holds them, one a line, fields as the generator writes them.
struct RecordText: RecordSink {
    let keys: [[UInt8]]
    private(set) var json: [UInt8] = []
    private(set) var count = 0
    /// Fields of the record under way so far (-1: it came whole).
    private var fields = 0
    static let between: [UInt8] = Array(",\n  ".utf8)

    init(_ codec: RowCodec) { keys = codec.keyBytes }

    mutating func string(_ field: Int, _ bytes: UnsafeBufferPointer<UInt8>) {
        key(field)
        JSONWriter.writeString(bytes: bytes, into: &json)
    }

    mutating func number(_ field: Int, _ text: UnsafeBufferPointer<UInt8>) {
        key(field)
        json.append(contentsOf: text)
    }

    mutating func bool(_ field: Int, _ value: Bool) {
        key(field)
        json += value ? Array("true".utf8) : Array("false".utf8)
    }

    mutating func field(_ field: Int, json value: UnsafeBufferPointer<UInt8>) {
        key(field)
        json.append(contentsOf: value)
    }

    /// `{` or `, `, then `"name": `.
    private mutating func key(_ field: Int) {
        if fields == 0 {
            if count > 0 { json += RecordText.between }
            json.append(UInt8(ascii: "{"))
        } else {
            json += [0x2C, 0x20]
        }
        json += keys[field]
        fields += 1
    }

    mutating func record(json value: UnsafeBufferPointer<UInt8>) {
        if count > 0 { json += RecordText.between }
        json.append(contentsOf: value)
        fields = -1
    }

    mutating func extras(json object: UnsafeBufferPointer<UInt8>) {
        // The object as vq wrote it, `{"k": v, …}`: its inside continues the record.
        guard let open = object.firstIndex(of: UInt8(ascii: "{")), let close = object.lastIndex(of: UInt8(ascii: "}")), close > open + 1 else { return }
        if fields == 0 {
            if count > 0 { json += RecordText.between }
            json.append(UInt8(ascii: "{"))
        } else {
            json += [0x2C, 0x20]
        }
        json.append(contentsOf: UnsafeBufferPointer(rebasing: object[(open + 1)..<close]))
        fields += 1
    }

    mutating func endRecord() {
        if fields == 0 {
            if count > 0 { json += RecordText.between }
            json += Array("{}".utf8)
        } else if fields > 0 {
            json.append(UInt8(ascii: "}"))
        }
        fields = 0
        count += 1
    }

    mutating func append(_ other: RecordText) {
        guard other.count > 0 else { return }
        if count > 0 { json += RecordText.between }
        json += other.json
        count += other.count
    }

    /// The file: `[`, a record a line, `]`.
    var file: [UInt8] { count == 0 ? Array("[]\n".utf8) : Array("[\n  ".utf8) + json + Array("\n]\n".utf8) }
}
