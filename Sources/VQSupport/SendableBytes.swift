import Foundation

/// File bytes handed to the threads that read them; the buffer outlives them.
public struct SendableBytes: @unchecked Sendable {
    public var bytes: UnsafeBufferPointer<UInt8>
    public init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }
}
