import Foundation
import VQJSON
import VQStore

/// A json array of objects, or json lines (one object a line), as rows: the
/// columns are the keys in the order they first appear.
enum JSONRows {
    static func read(_ data: Data, file: String, lines: Bool) throws(ImportError) -> Sheet {
        let text = try TextEncoding.decode(data, named: .utf8).text
        var records: [(number: Int, object: JSONObject)] = []
        func object(_ value: JSONValue, _ where: String) throws(ImportError) -> JSONObject {
            guard case .object(let o) = value else { throw ImportError("\(file), \(`where`): expected an object, found \(value.typeName)") }
            return o
        }
        if lines {
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where !line.allSatisfy(\.isWhitespace) {
                do { records.append((n + 1, try object(try JSONReader.parse(String(line)), "line \(n + 1)"))) } catch let e as JSONSyntaxError {
                    throw ImportError("\(file), line \(n + 1): \(e.message) (column \(e.column))")
                } catch let e as ImportError { throw e } catch { preconditionFailure("\(error)") }
            }
        } else {
            let value: JSONValue
            do { value = try JSONReader.parse(text) } catch {
                throw ImportError("\(file), \(error.description)")
            }
            guard case .array(let items) = value else {
                throw ImportError("\(file): expected an array of objects, found \(value.typeName)", hint: "a file of one object a line is imported as .jsonl")
            }
            for (n, item) in items.enumerated() { records.append((n + 1, try object(item, "record \(n + 1)"))) }
        }
        var headers: [String] = []
        var column: [String: Int] = [:]
        for (_, o) in records {
            for key in o.keys where column[key] == nil {
                column[key] = headers.count
                headers.append(key)
            }
        }
        var cells: [Cell] = []
        cells.reserveCapacity(records.count * headers.count)
        for (_, o) in records {
            var row = Array(repeating: Cell.empty, count: headers.count)
            for (key, value) in zip(o.keys, o.values) where value != .null { row[column[key]!] = .json(value) }
            cells += row
        }
        return Sheet(file: file, kind: lines ? .jsonl : .json, headers: headers, cells: cells, rowNumbers: records.map(\.number))
    }
}
