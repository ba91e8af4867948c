import Foundation

/// The text encodings a csv file may be in: what Excel and ERP systems write.
public enum TextEncoding: String, Sendable, CaseIterable {
    case utf8 = "utf-8"
    case utf16 = "utf-16"
    /// The Chinese national standard, a superset of GBK and GB2312: what Excel on
    /// Chinese Windows writes for "CSV (comma delimited)".
    case gb18030

    /// The encoding a user names (`encoding "gbk"`): GBK and GB2312 text reads as GB18030.
    public init?(named name: String) {
        switch name.lowercased().filter({ $0 != "-" && $0 != "_" && $0 != " " }) {
        case "utf8": self = .utf8
        case "utf16", "unicode": self = .utf16
        case "gb18030", "gbk", "gb2312", "cp936": self = .gb18030
        default: return nil
        }
    }

    public static var names: [String] { allCases.map(\.rawValue) + ["gbk", "gb2312"] }

    /// Foundation's number for GB18030 (CoreFoundation's kCFStringEncodingGB_18030_2000, 0x0632, as an NSStringEncoding).
    private static let foundationGB18030 = String.Encoding(rawValue: 0x8000_0632)

    /// The text of a file: its encoding from a byte order mark, else UTF-8 when the
    /// bytes are valid UTF-8, else GB18030 (the only other encoding Excel writes csv
    /// in without a mark). `named` skips the detection; undecodable bytes are an error
    /// that says where they are.
    public static func decode(_ data: Data, named: TextEncoding?) throws(ImportError) -> (text: String, encoding: TextEncoding) {
        let (bytes, encoding) = try utf8Bytes(data, named: named)
        return (String(decoding: bytes, as: UTF8.self), encoding)
    }

    /// The text's UTF-8 bytes (without a byte order mark): UTF-8 files are checked, not converted.
    public static func utf8Bytes(_ data: Data, named: TextEncoding?) throws(ImportError) -> (bytes: [UInt8], encoding: TextEncoding) {
        let bytes = [UInt8](data.prefix(3))
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]), named == nil || named == .utf8 {
            return (try utf8(data.dropFirst(3)), .utf8)
        }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) || named == .utf16 {
            guard let text = String(data: data, encoding: .utf16) else {
                throw ImportError("the file is not valid UTF-16 text")
            }
            return (Array((text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text).utf8), .utf16)
        }
        switch named {
        case .utf8?: return (try utf8(data[...]), .utf8)
        case .gb18030?: return (Array(try gb18030(data).utf8), .gb18030)
        case .utf16?, nil: break
        }
        let whole = [UInt8](data)
        if isUTF8(whole) { return (whole, .utf8) }
        if let text = String(data: data, encoding: foundationGB18030) { return (Array(text.utf8), .gb18030) }
        throw ImportError("the file is neither UTF-8 nor GB18030 text (\(invalidUTF8(data)))",
                          hint: "save it from the spreadsheet as CSV UTF-8, or name its encoding: encoding \"…\"")
    }

    private static func utf8(_ data: Data.SubSequence) throws(ImportError) -> [UInt8] {
        let bytes = [UInt8](data)
        guard isUTF8(bytes) else {
            throw ImportError("the file is not valid UTF-8 (\(invalidUTF8(Data(data))))",
                              hint: "if Excel on Chinese Windows saved it, say encoding \"gb18030\"")
        }
        return bytes
    }

    /// Whether the bytes are UTF-8 (no overlong forms, surrogates or code points past
    /// U+10FFFF), eight ASCII bytes at a time: a csv is checked without being copied into a string.
    static func isUTF8(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { b in
            var i = 0
            let n = b.count
            let raw = UnsafeRawPointer(b.baseAddress)
            while i < n {
                if let raw, i + 8 <= n, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                    i += 8
                    continue
                }
                let c = b[i]
                if c < 0x80 { i += 1; continue }
                let length: Int
                var low: UInt8 = 0x80, high: UInt8 = 0xBF
                switch c {
                case 0xC2...0xDF: length = 2
                case 0xE0: length = 3; low = 0xA0
                case 0xE1...0xEC, 0xEE...0xEF: length = 3
                case 0xED: length = 3; high = 0x9F
                case 0xF0: length = 4; low = 0x90
                case 0xF1...0xF3: length = 4
                case 0xF4: length = 4; high = 0x8F
                default: return false
                }
                guard i + length <= n, (low...high).contains(b[i + 1]) else { return false }
                for j in 2..<length where !(0x80...0xBF).contains(b[i + j]) { return false }
                i += length
            }
            return true
        }
    }

    private static func gb18030(_ data: Data) throws(ImportError) -> String {
        guard let text = String(data: data, encoding: foundationGB18030) else {
            throw ImportError("the file is not valid GB18030 text", hint: "leave out 'encoding' to have it detected")
        }
        return text
    }

    /// Where the first byte that is not UTF-8 is: its line and byte offset.
    static func invalidUTF8(_ data: Data) -> String {
        var line = 1
        var i = data.startIndex
        while i < data.endIndex {
            let b = data[i]
            let length = b < 0x80 ? 1 : b >= 0xF0 && b < 0xF5 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 && b < 0xE0 ? 2 : 0
            let end = i + max(length, 1)
            if length == 0 || end > data.endIndex || String(validating: data[i..<end], as: UTF8.self) == nil {
                return "byte 0x\(String(b, radix: 16, uppercase: true)) at line \(line), byte \(i - data.startIndex + 1)"
            }
            if b == 0x0A { line += 1 }
            i = end
        }
        return "at the end"
    }
}
