import CLibPQ
import Foundation
import VQStore

/// libpq's functions, loaded the first time a database is opened. Linking
/// libpq would load it, and OpenSSL, Kerberos and LDAP with it, into every vq
/// at start-up: 6 ms more before each statement even on a store directory
/// (measured: an empty C program takes 0.8 ms, linked with -lpq 6.6 ms). The
/// types and constants come from libpq-fe.h through the CLibPQ module map.
struct LibPQ: @unchecked Sendable {
    // Function pointers into a library that stays loaded: safe from any thread, as libpq is.
    let connectdb: @convention(c) (UnsafePointer<CChar>?) -> OpaquePointer?
    let status: @convention(c) (OpaquePointer?) -> ConnStatusType
    let errorMessage: @convention(c) (OpaquePointer?) -> UnsafeMutablePointer<CChar>?
    let finish: @convention(c) (OpaquePointer?) -> Void
    let exec: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> OpaquePointer?
    let execParams: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32, UnsafePointer<Oid>?,
                                    UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?, Int32) -> OpaquePointer?
    let resultStatus: @convention(c) (OpaquePointer?) -> ExecStatusType
    let resultErrorMessage: @convention(c) (OpaquePointer?) -> UnsafeMutablePointer<CChar>?
    let clear: @convention(c) (OpaquePointer?) -> Void
    let getCopyData: @convention(c) (OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, Int32) -> Int32
    let freemem: @convention(c) (UnsafeMutableRawPointer?) -> Void
    let getResult: @convention(c) (OpaquePointer?) -> OpaquePointer?
    let putCopyData: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32
    let putCopyEnd: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> Int32
    let ntuples: @convention(c) (OpaquePointer?) -> Int32
    let getisnull: @convention(c) (OpaquePointer?, Int32, Int32) -> Int32
    let getvalue: @convention(c) (OpaquePointer?, Int32, Int32) -> UnsafeMutablePointer<CChar>?
    let cmdTuples: @convention(c) (OpaquePointer?) -> UnsafeMutablePointer<CChar>?

    /// The library, loaded once; why not, when it cannot be.
    static let shared: Result<LibPQ, StoreError> = Result { () throws(StoreError) in try load() }

    private static func load() throws(StoreError) -> LibPQ {
        guard let handle = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "not found"
            throw StoreError("libpq, PostgreSQL's client library, cannot be loaded (\(reason)); install it (Debian: apt-get install libpq5)")
        }
        func symbol<T>(_ name: String) throws(StoreError) -> T {
            guard let address = dlsym(handle, name) else { throw StoreError("libpq has no \(name): it is older than vq needs") }
            return unsafeBitCast(address, to: T.self)
        }
        return LibPQ(connectdb: try symbol("PQconnectdb"), status: try symbol("PQstatus"), errorMessage: try symbol("PQerrorMessage"),
                     finish: try symbol("PQfinish"), exec: try symbol("PQexec"),
                     execParams: try symbol("PQexecParams"), resultStatus: try symbol("PQresultStatus"),
                     resultErrorMessage: try symbol("PQresultErrorMessage"), clear: try symbol("PQclear"),
                     getCopyData: try symbol("PQgetCopyData"), freemem: try symbol("PQfreemem"), getResult: try symbol("PQgetResult"),
                     putCopyData: try symbol("PQputCopyData"), putCopyEnd: try symbol("PQputCopyEnd"), ntuples: try symbol("PQntuples"),
                     getisnull: try symbol("PQgetisnull"), getvalue: try symbol("PQgetvalue"), cmdTuples: try symbol("PQcmdTuples"))
    }
}
