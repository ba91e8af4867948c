import CLibPQ
import Foundation
import VQStore

/// One libpq connection: statements with parameters, and COPY both ways.
/// Every failure becomes a `StoreError` carrying libpq's own reason.
final class Connection {
    private let conn: OpaquePointer

    /// Connects with a libpq connection string or URI ("" takes the PG* environment variables).
    init(_ conninfo: String, shownAs location: String) throws(StoreError) {
        guard let conn = PQconnectdb(conninfo) else { throw StoreError("cannot open store \(location): out of memory") }
        guard PQstatus(conn) == CONNECTION_OK else {
            let reason = Connection.message(PQerrorMessage(conn))
            PQfinish(conn)
            // A reason that starts with the server's FATAL came from a server that was reached and said no.
            let advice = reason.contains("FATAL")
                ? "check the user name and password (in the URL, or PGUSER, PGPASSWORD, ~/.pgpass) and that the database exists"
                : "check that the server is running and the host and port are right"
            throw StoreError("cannot open store \(location): \(reason); \(advice)")
        }
        self.conn = conn
        // Dates as YYYY-MM-DD and text as UTF-8 whatever the server's defaults are.
        try execute("SET datestyle = ISO; SET client_encoding = 'UTF8'; SET client_min_messages = warning; SET standard_conforming_strings = on")
    }

    deinit { PQfinish(conn) }

    /// The user the server knows this connection as.
    var user: String { PQuser(conn).map { String(cString: $0) } ?? "" }

    static func message(_ text: UnsafePointer<CChar>?) -> String {
        guard let text else { return "unknown error" }
        return String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "\n", with: " ")
    }

    /// Runs statements; with parameters, one statement whose `$1`, `$2`… are given as text (nil: NULL).
    @discardableResult
    func execute(_ sql: String, _ parameters: [String?] = []) throws(StoreError) -> Rows {
        let result: OpaquePointer?
        if parameters.isEmpty {
            result = PQexec(conn, sql)
        } else {
            // Each parameter's bytes live until PQexecParams returns.
            let copies = parameters.map { $0.flatMap { strdup($0) } }
            defer { copies.forEach { free($0) } }
            let pointers = copies.map { $0.map { UnsafePointer<CChar>($0) } }
            result = pointers.withUnsafeBufferPointer {
                PQexecParams(conn, sql, Int32(parameters.count), nil, $0.baseAddress, nil, nil, 0)
            }
        }
        let rows = Rows(result)
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK: return rows
        default: throw failure(rows)
        }
    }

    private func failure(_ rows: Rows) -> StoreError {
        let text = rows.result.flatMap { PQresultErrorMessage($0) }.map { Connection.message($0) } ?? ""
        return StoreError("the database refused: " + (text.isEmpty ? Connection.message(PQerrorMessage(conn)) : text))
    }

    /// Runs `COPY … TO STDOUT` and hands each row's bytes (its line break included) to `row`.
    func copyOut(_ sql: String, row: (UnsafeBufferPointer<UInt8>) -> Void) throws(StoreError) {
        let started = Rows(PQexec(conn, sql))
        guard PQresultStatus(started.result) == PGRES_COPY_OUT else { throw failure(started) }
        var buffer: UnsafeMutablePointer<CChar>?
        while true {
            let n = PQgetCopyData(conn, &buffer, 0)
            if n < 0 { break }
            if let buffer {
                buffer.withMemoryRebound(to: UInt8.self, capacity: Int(n)) { row(UnsafeBufferPointer(start: $0, count: Int(n))) }
                PQfreemem(buffer)
            }
        }
        let finished = Rows(PQgetResult(conn))
        while let extra = PQgetResult(conn) { PQclear(extra) }
        guard PQresultStatus(finished.result) == PGRES_COMMAND_OK else { throw failure(finished) }
    }

    /// Runs `COPY … FROM STDIN`, sending what `fill` produces in pieces.
    func copyIn(_ sql: String, fill: (_ send: (borrowing [UInt8]) throws(StoreError) -> Void) throws(StoreError) -> Void) throws(StoreError) {
        let started = Rows(PQexec(conn, sql))
        guard PQresultStatus(started.result) == PGRES_COPY_IN else { throw failure(started) }
        var failed: StoreError?
        do {
            try fill { (bytes: borrowing [UInt8]) throws(StoreError) in
                let sent = bytes.withUnsafeBufferPointer { b in
                    b.withMemoryRebound(to: CChar.self) { PQputCopyData(conn, $0.baseAddress, Int32($0.count)) }
                }
                if sent != 1 { throw StoreError("cannot send rows to the database: \(Connection.message(PQerrorMessage(conn)))") }
            }
        } catch { failed = error }
        PQputCopyEnd(conn, failed.map { $0.message } ?? nil)
        let finished = Rows(PQgetResult(conn))
        while let extra = PQgetResult(conn) { PQclear(extra) }
        if let failed { throw failed }
        guard PQresultStatus(finished.result) == PGRES_COMMAND_OK else { throw failure(finished) }
    }
}

/// A result's rows, as text.
final class Rows {
    let result: OpaquePointer?
    init(_ result: OpaquePointer?) { self.result = result }
    deinit { if let result { PQclear(result) } }

    var count: Int { result.map { Int(PQntuples($0)) } ?? 0 }

    subscript(row: Int, column: Int) -> String? {
        guard let result, PQgetisnull(result, Int32(row), Int32(column)) == 0 else { return nil }
        return String(cString: PQgetvalue(result, Int32(row), Int32(column)))
    }

    /// The number of rows a command changed.
    var changed: Int { result.flatMap { Int(String(cString: PQcmdTuples($0))) } ?? 0 }
}
