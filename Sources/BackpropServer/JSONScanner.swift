#if Server
import Foundation

/// A strict reader of JSON (RFC 8259) over a block of bytes, for the Open Inference
/// Protocol's requests: the caller walks the document it expects (objects by key, lists by
/// element) and reads numbers straight into Floats, so that a request's "data" never becomes
/// a tree of boxed values. Every fault is a 400 `RequestError` naming the line and column.
struct JSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var i = 0
    /// Lists and objects nest at most this deep.
    static let maximumDepth = 64

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    // MARK: Structure

    /// `{ "key": value, … }`: calls `member` with each key, positioned at its value, which
    /// `member` must read (or skip).
    mutating func object(_ what: String, _ member: (inout JSONScanner, String) throws(RequestError) -> Void) throws(RequestError) {
        skipSpace()
        guard peek() == UInt8(ascii: "{") else { throw fail("\(what) must be a JSON object, not \(token())") }
        i += 1
        skipSpace()
        if peek() == UInt8(ascii: "}") {
            i += 1
            return
        }
        while true {
            skipSpace()
            let key = try string("a key of \(what)")
            try expect(":")
            skipSpace()
            try member(&self, key)
            skipSpace()
            guard i < bytes.count else { throw fail("the JSON ends inside \(what); expected ',' or '}'") }
            i += 1
            if bytes[i - 1] == UInt8(ascii: ",") { continue }
            if bytes[i - 1] == UInt8(ascii: "}") { return }
            i -= 1
            throw fail("expected ',' or '}' in \(what), got \(token())")
        }
    }

    /// `[ element, … ]`: calls `element` with each index, positioned at the element, which
    /// `element` must read.
    mutating func array(_ what: String, _ element: (inout JSONScanner, Int) throws(RequestError) -> Void) throws(RequestError) {
        skipSpace()
        guard peek() == UInt8(ascii: "[") else { throw fail("\(what) must be a JSON list, not \(token())") }
        i += 1
        skipSpace()
        if peek() == UInt8(ascii: "]") {
            i += 1
            return
        }
        var index = 0
        while true {
            skipSpace()
            try element(&self, index)
            index += 1
            skipSpace()
            guard i < bytes.count else { throw fail("the JSON ends inside \(what); expected ',' or ']'") }
            i += 1
            if bytes[i - 1] == UInt8(ascii: ",") { continue }
            if bytes[i - 1] == UInt8(ascii: "]") { return }
            i -= 1
            throw fail("expected ',' or ']' in \(what), got \(token())")
        }
    }

    /// Appends the numbers of a list, flattened row-major however deeply it nests (the
    /// protocol allows "data" flat or nested), or of a single number, to `values`. The
    /// request's hot loop: the numbers of a list are read in place, without a closure per
    /// element.
    mutating func floats(_ what: String, into values: inout [Float], depth: Int = 1) throws(RequestError) {
        guard depth <= Self.maximumDepth else { throw fail("\(what) nests deeper than \(Self.maximumDepth) levels") }
        skipSpace()
        guard peek() == UInt8(ascii: "[") else {
            values.append(try float(what, index: values.count))
            return
        }
        i += 1
        skipSpace()
        if peek() == UInt8(ascii: "]") {
            i += 1
            return
        }
        while true {
            skipSpace()
            if peek() == UInt8(ascii: "[") {
                try floats(what, into: &values, depth: depth + 1)
            } else if let small = smallInteger() {
                values.append(small)
            } else {
                values.append(try float(what, index: values.count))
            }
            skipSpace()
            guard i < bytes.count else { throw fail("the JSON ends inside \(what); expected ',' or ']'") }
            i += 1
            if bytes[i - 1] == UInt8(ascii: ",") { continue }
            if bytes[i - 1] == UInt8(ascii: "]") { return }
            i -= 1
            throw fail("expected ',' or ']' in \(what), got \(token())")
        }
    }

    /// A non-negative integer of 1 to 7 digits with nothing after it that would make it
    /// another number (no '.', exponent or further digit), as a Float (exact); else nil,
    /// with nothing read.
    @inline(__always)
    private mutating func smallInteger() -> Float? {
        var k = i, value = 0
        while k < bytes.count, k - i < 8 {
            let digit = bytes[k] &- UInt8(ascii: "0")
            guard digit < 10 else { break }
            value = value * 10 + Int(digit)
            k += 1
        }
        let digits = k - i
        guard digits >= 1, digits <= 7, !(digits > 1 && bytes[i] == UInt8(ascii: "0")) else { return nil }
        if k < bytes.count {
            let next = bytes[k]
            guard next != UInt8(ascii: "."), next != UInt8(ascii: "e"), next != UInt8(ascii: "E"), next &- UInt8(ascii: "0") >= 10 else { return nil }
        }
        i = k
        return Float(value)
    }

    /// Fails unless only whitespace remains; `hint` follows the error's first clause.
    mutating func end(hint: String = "") throws(RequestError) {
        skipSpace()
        guard i == bytes.count else { throw fail("unexpected \(token()) after the JSON object\(hint)") }
    }

    // MARK: Values

    /// A JSON string, its escapes decoded; refused if it is not valid UTF-8.
    mutating func string(_ what: String) throws(RequestError) -> String {
        skipSpace()
        guard peek() == UInt8(ascii: "\"") else { throw fail("\(what) must be a string in quotes, not \(token())") }
        i += 1
        var utf8: [UInt8] = []
        while true {
            guard i < bytes.count else { throw fail("the JSON ends inside a string") }
            let byte = bytes[i]
            i += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: utf8, as: UTF8.self) else { throw fail("\(what) is not valid UTF-8") }
                return text
            case UInt8(ascii: "\\"):
                try JSONBytes.decodeEscape(in: bytes, at: &i, into: &utf8, document: "the JSON")
            case ..<0x20:
                i -= 1
                throw fail("a control character (\(byte)) inside a string must be escaped")
            default:
                utf8.append(byte)
            }
        }
    }

    /// The bytes of a JSON number, checked against the grammar; `integer` is whether it has
    /// neither a fraction nor an exponent.
    private mutating func numberToken(_ what: String, index: Int = -1) throws(RequestError) -> (start: Int, integer: Bool) {
        skipSpace()
        let start = i
        var integer = true
        if peek() == UInt8(ascii: "-") { i += 1 }
        if peek() == UInt8(ascii: "0") {
            i += 1
        } else if isDigit(peek()) {
            while isDigit(peek()) { i += 1 }
        } else {
            i = start
            throw fail("\(place(what, index)): expected a number, got \(token())")
        }
        if peek() == UInt8(ascii: ".") {
            integer = false
            i += 1
            guard isDigit(peek()) else { throw fail("\(place(what, index)): a digit must follow the decimal point, got \(token())") }
            while isDigit(peek()) { i += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            integer = false
            i += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { i += 1 }
            guard isDigit(peek()) else { throw fail("\(place(what, index)): the exponent needs digits, got \(token())") }
            while isDigit(peek()) { i += 1 }
        }
        guard i - start <= 1024 else { throw fail("\(place(what, index)): a number of \(i - start) characters is too long", at: start) }
        return (start, integer)
    }

    /// A JSON number as the nearest Float (correctly rounded, by strtof; an integer of at
    /// most 7 digits, such as a pixel value, is read inline and exact); one beyond a Float's
    /// range is refused, as the TensorFlow Serving route refuses it. `what` (and `index`, if
    /// not -1: `what[index]`) names the place in an error.
    mutating func float(_ what: String, index: Int = -1) throws(RequestError) -> Float {
        let (start, integer) = try numberToken(what, index: index)
        let length = i - start
        let negative = bytes[start] == UInt8(ascii: "-")
        if integer, length - (negative ? 1 : 0) <= 7 {  // |v| < 10⁷ < 2²⁴: exact as a Float
            var value = 0
            for k in (start + (negative ? 1 : 0))..<i { value = value * 10 + Int(bytes[k] &- UInt8(ascii: "0")) }
            return Float(negative ? -value : value)
        }
        let value = withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { text in
            for k in 0..<length { text[k] = CChar(bitPattern: bytes[start + k]) }
            text[length] = 0
            return text.baseAddress.map { strtof($0, nil) } ?? .nan
        }
        guard value.isFinite else { throw fail("\(place(what, index)): \(text(start..<i)) is beyond the range of a 32-bit float", at: start) }
        return value
    }

    /// A JSON number that is an integer (no fraction or exponent) within Int's range.
    mutating func integer(_ what: String) throws(RequestError) -> Int {
        let (start, integer) = try numberToken(what)
        guard integer, let value = Int(text(start..<i)) else {
            throw fail("\(what): expected an integer within ±\(Int.max), got \(text(start..<i).prefix(40))", at: start)
        }
        return value
    }

    /// `true` or `false`.
    mutating func bool(_ what: String) throws(RequestError) -> Bool {
        skipSpace()
        if matches("true") { return true }
        if matches("false") { return false }
        throw fail("\(what) must be true or false, not \(token())")
    }

    /// Reads any JSON value and drops it.
    mutating func skipValue(depth: Int = 1) throws(RequestError) {
        guard depth <= Self.maximumDepth else { throw fail("values nested deeper than \(Self.maximumDepth) levels") }
        skipSpace()
        switch peek() ?? 0 {
        case UInt8(ascii: "{"):
            try object("an object") { scanner, _ throws(RequestError) in try scanner.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["):
            try array("a list") { scanner, _ throws(RequestError) in try scanner.skipValue(depth: depth + 1) }
        case UInt8(ascii: "\""):
            _ = try string("a string")
        default:
            if matches("true") || matches("false") || matches("null") { return }
            _ = try numberToken("a value")
        }
    }

    /// Whether the next word is `word`, read if so.
    private mutating func matches(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard i + count <= bytes.count, (0..<count).allSatisfy({ bytes[i + $0] == word.utf8Start[$0] }) else { return false }
        i += count
        return true
    }

    // MARK: Bytes

    private mutating func expect(_ character: Unicode.Scalar) throws(RequestError) {
        skipSpace()
        guard peek() == UInt8(ascii: character) else { throw fail("expected '\(character)', got \(token())") }
        i += 1
    }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    private func peek() -> UInt8? {
        i < bytes.count ? bytes[i] : nil
    }

    private func isDigit(_ byte: UInt8?) -> Bool {
        byte.map { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } ?? false
    }

    private func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// What is at the current position, for an error.
    private func token() -> String {
        JSONBytes.token(in: bytes, at: i, document: "the JSON")
    }

    /// `what`, or `what[index]` for an index other than -1: the place an error names.
    private func place(_ what: String, _ index: Int) -> String {
        index < 0 ? what : "\(what)[\(index)]"
    }

    /// A 400 with `message` and the line and column of `position` (by default the current one).
    func fail(_ message: String, at position: Int? = nil) -> RequestError {
        JSONBytes.error(message, in: bytes, at: position ?? i)
    }
}
#endif
