import CLibPQ
import Foundation
import VQStore

/// One libpq connection: statements with parameters, and COPY both ways.
/// Every failure becomes a `StoreError` carrying libpq's own reason.
final class Connection {
    private let conn: OpaquePointer
    private let pq: LibPQ

    /// Connects with a libpq connection string or URI ("" takes the PG* environment variables).
    init(_ conninfo: String, shownAs location: String) throws(StoreError) {
        let pq: LibPQ
        do { pq = try LibPQ.shared.get() } catch { throw StoreError("cannot open store \(location): \(error.message)") }
        guard let conn = pq.connectdb(conninfo) else { throw StoreError("cannot open store \(location): out of memory") }
        guard pq.status(conn) == CONNECTION_OK else {
            let reason = Connection.message(pq.errorMessage(conn))
            pq.finish(conn)
            // A reason that starts with the server's FATAL came from a server that was reached and said no.
            let advice = reason.contains("FATAL")
                ? "check the user name and password (in the URL, or PGUSER, PGPASSWORD, ~/.pgpass) and that the database exists"
                : "check that the server is running and the host and port are right"
            throw StoreError("cannot open store \(location): \(reason); \(advice)")
        }
        self.conn = conn
        self.pq = pq
        // Dates as YYYY-MM-DD and text as UTF-8 whatever the server's defaults are.
        try execute("SET datestyle = ISO; SET client_encoding = 'UTF8'; SET client_min_messages = error; SET standard_conforming_strings = on")
    }

    deinit { pq.finish(conn) }

    static func message(_ text: UnsafeMutablePointer<CChar>?) -> String {
        guard let text else { return "unknown error" }
        return String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "\n", with: " ")
    }

    /// Runs statements; with parameters, one statement whose `$1`, `$2`… are given as text (nil: NULL).
    @discardableResult
    func execute(_ sql: String, _ parameters: [String?] = []) throws(StoreError) -> Rows {
        let result: OpaquePointer?
        if parameters.isEmpty {
            result = pq.exec(conn, sql)
        } else {
            // Each parameter's bytes live until PQexecParams returns.
            let copies = parameters.map { $0.flatMap { strdup($0) } }
            defer { copies.forEach { free($0) } }
            let pointers = copies.map { $0.map { UnsafePointer<CChar>($0) } }
            result = pointers.withUnsafeBufferPointer {
                pq.execParams(conn, sql, Int32(parameters.count), nil, $0.baseAddress, nil, nil, 0)
            }
        }
        let rows = Rows(result, pq)
        switch pq.resultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK: return rows
        default: throw failure(rows)
        }
    }

    private func failure(_ rows: Rows) -> StoreError {
        let text = rows.result.flatMap { pq.resultErrorMessage($0) }.map { Connection.message($0) } ?? ""
        return StoreError("the database refused: " + (text.isEmpty ? Connection.message(pq.errorMessage(conn)) : text))
    }

    /// Runs `COPY … TO STDOUT` and hands each row's bytes (its line break included) to `row`.
    func copyOut(_ sql: String, row: (UnsafeBufferPointer<UInt8>) -> Void) throws(StoreError) {
        let started = Rows(pq.exec(conn, sql), pq)
        guard pq.resultStatus(started.result) == PGRES_COPY_OUT else { throw failure(started) }
        var buffer: UnsafeMutablePointer<CChar>?
        while true {
            let n = pq.getCopyData(conn, &buffer, 0)
            if n < 0 { break }
            if let buffer {
                buffer.withMemoryRebound(to: UInt8.self, capacity: Int(n)) { row(UnsafeBufferPointer(start: $0, count: Int(n))) }
                pq.freemem(buffer)
            }
        }
        try finishCopy()
    }

    /// The end of a COPY: its result, and none left over.
    private func finishCopy(after failed: StoreError? = nil) throws(StoreError) {
        let finished = Rows(pq.getResult(conn), pq)
        while let extra = pq.getResult(conn) { pq.clear(extra) }
        if let failed { throw failed }
        guard pq.resultStatus(finished.result) == PGRES_COMMAND_OK else { throw failure(finished) }
    }

    /// Runs `COPY … FROM STDIN`, sending what `fill` produces in pieces.
    func copyIn(_ sql: String, fill: (_ send: (borrowing [UInt8]) throws(StoreError) -> Void) throws(StoreError) -> Void) throws(StoreError) {
        let started = Rows(pq.exec(conn, sql), pq)
        guard pq.resultStatus(started.result) == PGRES_COPY_IN else { throw failure(started) }
        var failed: StoreError?
        do {
            try fill { (bytes: borrowing [UInt8]) throws(StoreError) in
                let sent = bytes.withUnsafeBufferPointer { b in
                    b.withMemoryRebound(to: CChar.self) { pq.putCopyData(conn, $0.baseAddress, Int32($0.count)) }
                }
                if sent != 1 { throw StoreError("cannot send rows to the database: \(Connection.message(pq.errorMessage(conn)))") }
            }
        } catch { failed = error }
        _ = pq.putCopyEnd(conn, failed.map { $0.message } ?? nil)
        try finishCopy(after: failed)
    }
}

/// A result's rows, as text.
final class Rows {
    let result: OpaquePointer?
    private let pq: LibPQ
    init(_ result: OpaquePointer?, _ pq: LibPQ) {
        self.result = result
        self.pq = pq
    }
    deinit { if let result { pq.clear(result) } }

    var count: Int { result.map { Int(pq.ntuples($0)) } ?? 0 }

    subscript(row: Int, column: Int) -> String? {
        guard let result, pq.getisnull(result, Int32(row), Int32(column)) == 0, let value = pq.getvalue(result, Int32(row), Int32(column)) else { return nil }
        return String(cString: value)
    }

    /// The number of rows a command changed.
    var changed: Int { result.flatMap { pq.cmdTuples($0) }.flatMap { Int(String(cString: $0)) } ?? 0 }
}
