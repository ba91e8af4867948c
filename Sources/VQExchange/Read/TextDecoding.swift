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
        let bytes = [UInt8](data.prefix(3))
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]), named == nil || named == .utf8 {
            return (try utf8(data.dropFirst(3)), .utf8)
        }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) || named == .utf16 {
            guard let text = String(data: data, encoding: .utf16) else {
                throw ImportError("the file is not valid UTF-16 text")
            }
            return (text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text, .utf16)
        }
        switch named {
        case .utf8?: return (try utf8(data[...]), .utf8)
        case .gb18030?: return (try gb18030(data), .gb18030)
        case .utf16?, nil: break
        }
        if let text = String(validating: data, as: UTF8.self) { return (text, .utf8) }
        if let text = String(data: data, encoding: foundationGB18030) { return (text, .gb18030) }
        throw ImportError("the file is neither UTF-8 nor GB18030 text (\(invalidUTF8(data)))",
                          hint: "save it from the spreadsheet as CSV UTF-8, or name its encoding: encoding \"…\"")
    }

    private static func utf8(_ data: Data.SubSequence) throws(ImportError) -> String {
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ImportError("the file is not valid UTF-8 (\(invalidUTF8(Data(data))))",
                              hint: "if Excel on Chinese Windows saved it, say encoding \"gb18030\"")
        }
        return text
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
