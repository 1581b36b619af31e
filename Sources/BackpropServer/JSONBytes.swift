#if Server
/// The byte-level pieces of reading JSON that both request readers share (`InstanceParser`
/// for `:predict`, `JSONScanner` for the Open Inference Protocol): errors placed by line and
/// column, what stands at a position, and a string's escapes (RFC 8259, section 7).
enum JSONBytes {
    /// A 400 with `message` and the line and column of byte `position` of `bytes`.
    static func error(_ message: String, in bytes: UnsafeBufferPointer<UInt8>, at position: Int) -> RequestError {
        let at = min(position, bytes.count)
        var line = 1, column = 1
        for k in 0..<at {
            if bytes[k] == 0x0A {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return RequestError(.badRequest, "\(message) (line \(line), column \(column))")
    }

    /// What is at byte `i`, for an error: a few characters in single quotes, or "the end of
    /// `document`".
    static func token(in bytes: UnsafeBufferPointer<UInt8>, at i: Int, document: String) -> String {
        guard i < bytes.count else { return "the end of \(document)" }
        var text = String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<min(bytes.count, i + 12)]), as: UTF8.self)
        if let cut = text.firstIndex(where: { $0 == "," || $0 == "]" || $0 == "}" || $0.isNewline }), cut != text.startIndex {
            text = String(text[..<cut])
        }
        return "'\(text)'"
    }

    /// Decodes the escape whose letter is at byte `i` (after its backslash) into `utf8`, and
    /// moves `i` past it; `\uD83D\uDE00`, a surrogate pair, becomes one scalar.
    /// - Throws: a 400 for an unknown escape, `\u` without four hexadecimal digits, or the
    ///   end of `document`.
    static func decodeEscape(
        in bytes: UnsafeBufferPointer<UInt8>, at i: inout Int, into utf8: inout [UInt8], document: String
    ) throws(RequestError) {
        guard i < bytes.count else { throw error("\(document) ends inside a string", in: bytes, at: i) }
        let escaped = bytes[i]
        i += 1
        switch escaped {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escaped)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4(in: bytes, at: &i, document: document)
            if (0xD800..<0xDC00).contains(scalar), i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                let mark = i
                i += 2
                let low = try hex4(in: bytes, at: &i, document: document)
                if (0xDC00..<0xE000).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    i = mark
                }
            }
            utf8.append(contentsOf: String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8)
        default:
            i -= 1
            throw error("unknown escape '\\\(Character(Unicode.Scalar(escaped)))' in a string", in: bytes, at: i)
        }
    }

    /// The four hexadecimal digits of a `\u` escape at byte `i`, read.
    private static func hex4(in bytes: UnsafeBufferPointer<UInt8>, at i: inout Int, document: String) throws(RequestError) -> UInt32 {
        guard i + 4 <= bytes.count else { throw error("\\u needs four hexadecimal digits", in: bytes, at: i) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[i]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default:
                throw error("\\u needs four hexadecimal digits, got \(token(in: bytes, at: i, document: document))", in: bytes, at: i)
            }
            value = value << 4 | digit
            i += 1
        }
        return value
    }
}
#endif
