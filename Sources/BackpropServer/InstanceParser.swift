#if Server
import Foundation

/// Reads the body of a predict request, `{"instances": […]}`, in one pass straight into the
/// row-major block of inputs x = v/d, checking each example against the model as it goes.
///
/// Strict JSON (RFC 8259): anything Foundation's `JSONSerialization` refuses is refused too
/// (the tests compare the two on thousands of mutated bodies). It exists because Foundation's
/// decoders take many times as long as the forward pass to read a request of images, and
/// say only "not valid JSON" without a position; this parser reads the numbers straight into
/// x and names the place (docs/performance-choices.md). Other keys beside "instances"
/// (TensorFlow Serving's "signature_name", say) are read and ignored.
struct InstanceParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var i = 0
    private let width: Int
    private let columns: [String: Int]
    private let featureNames: [String]
    private let modelName: String
    private let scale: Float
    private let maxExamples: Int
    /// Where x goes, and how many values it holds so far.
    private let out: UnsafeMutableBufferPointer<Float>
    private var written = 0
    private var rows = 0
    /// Whether an example is being read (for errors that name it).
    private var inInstance = false
    /// For objects: which features the current example has given.
    private var seen: [Bool]

    /// The examples of `body` as one row-major block, and their count.
    /// - Parameter maxExamples: the most examples the request may hold; reading stops at the
    ///   first one past it, so the block never holds more than this many examples.
    /// - Throws: `RequestError`: 413 for more than `maxExamples` examples, else 400 naming
    ///   the example, feature and position at fault.
    static func inputs(of body: UnsafeBufferPointer<UInt8>, for model: ServedModel, maxExamples: Int = .max) throws(RequestError) -> (x: [Float], rows: Int) {
        // Each value written comes from a number or an object member, which take at least two
        // bytes with their separator: the block needs at most ⌈bytes/2⌉ values, and never
        // more than maxExamples examples' (plus one example's width, for the check below).
        let width = model.inputSize
        let examplesCapacity = maxExamples > (Int.max - width) / max(width, 1) - 1 ? Int.max : maxExamples * width
        let capacity = min(body.count / 2 + 1, examplesCapacity) + width
        var failure: RequestError?
        var rows = 0
        let x = [Float](unsafeUninitializedCapacity: capacity) { buffer, count in
            var parser = InstanceParser(
                bytes: body, width: width, columns: model.featureColumns, featureNames: model.model.encoding.featureNames,
                modelName: model.name, scale: model.inverseDivisor, maxExamples: maxExamples, out: buffer,
                seen: [Bool](repeating: false, count: width))
            do throws(RequestError) {
                try parser.parseBody()
            } catch {
                failure = error
            }
            count = parser.written
            rows = parser.rows
        }
        if let failure { throw failure }
        return (x, rows)
    }

    /// Writes v at the next position of x.
    @inline(__always)
    private mutating func write(_ v: Float) throws(RequestError) {
        guard written < out.count else { throw fail("more values than the body could hold (an internal limit)") }
        out[written] = v
        written += 1
    }

    private static let maximumDepth = 64

    // MARK: Structure

    private mutating func parseBody() throws(RequestError) {
        skipSpace()
        guard i < bytes.count else { throw fail("the body is empty; expected a JSON object with \"instances\"") }
        guard bytes[i] == UInt8(ascii: "{") else { throw fail("the body must be a JSON object with \"instances\", not \(token())") }
        i += 1
        var found = false
        try members { parser throws(RequestError) in
            let key = try parser.parseString()
            try parser.expect(":")
            if key == "instances" {
                guard !found else { throw parser.fail("\"instances\" appears twice") }
                found = true
                try parser.parseInstances()
            } else {
                try parser.skipValue(depth: 1)
            }
        }
        skipSpace()
        guard i == bytes.count else { throw fail("unexpected \(token()) after the JSON object") }
        guard found else { throw fail("the body needs \"instances\": a list of examples, each a list of numbers or an object of named features") }
        guard rows > 0 else { throw fail("\"instances\" is empty: send at least one example") }
    }

    /// `{ member, member, … }` after its `{`, calling `member` at each.
    private mutating func members(_ member: (inout InstanceParser) throws(RequestError) -> Void) throws(RequestError) {
        skipSpace()
        if peek() == UInt8(ascii: "}") {
            i += 1
            return
        }
        while true {
            skipSpace()
            try member(&self)
            skipSpace()
            guard i < bytes.count else { throw fail("the body ends inside an object; expected ',' or '}'") }
            if bytes[i] == UInt8(ascii: ",") {
                i += 1
            } else if bytes[i] == UInt8(ascii: "}") {
                i += 1
                return
            } else {
                throw fail("expected ',' or '}' in an object, got \(token())")
            }
        }
    }

    /// `[ element, element, … ]` after its `[`, calling `element` at each.
    private mutating func elements(_ what: String, _ element: (inout InstanceParser) throws(RequestError) -> Void) throws(RequestError) {
        skipSpace()
        if peek() == UInt8(ascii: "]") {
            i += 1
            return
        }
        while true {
            try element(&self)
            skipSpace()
            guard i < bytes.count else { throw fail("the body ends inside \(what); expected ',' or ']'") }
            if bytes[i] == UInt8(ascii: ",") {
                i += 1
            } else if bytes[i] == UInt8(ascii: "]") {
                i += 1
                return
            } else {
                throw fail("expected ',' or ']' in \(what), got \(token())")
            }
        }
    }

    private mutating func parseInstances() throws(RequestError) {
        skipSpace()
        guard peek() == UInt8(ascii: "[") else { throw fail("\"instances\" must be a list of examples, not \(token())") }
        i += 1
        try elements("\"instances\"") { parser throws(RequestError) in
            guard parser.rows < parser.maxExamples else {
                throw RequestError(
                    .contentTooLarge,
                    "the request holds more than \(parser.maxExamples) example\(parser.maxExamples == 1 ? "" : "s"); this server takes at most \(parser.maxExamples) per request (--max-request-examples): split it into smaller requests")
            }
            parser.inInstance = true
            try parser.parseInstance()
            parser.inInstance = false
            parser.rows += 1
        }
    }

    private mutating func parseInstance() throws(RequestError) {
        skipSpace()
        let r = rows
        switch peek() ?? 0 {
        case UInt8(ascii: "["):
            i += 1
            try parseValues(of: r)
        case UInt8(ascii: "{"):
            guard !featureNames.isEmpty else {
                throw fail("instances[\(r)] is an object, but model '\(modelName)' has no feature names; send a list of \(width) numbers")
            }
            i += 1
            let start = written
            for _ in 0..<width { try write(0) }
            for j in seen.indices { seen[j] = false }
            try members { parser throws(RequestError) in
                let key = try parser.parseString()
                guard let column = parser.columns[key] else {
                    throw parser.fail("instances[\(r)] has unknown feature '\(key.prefix(128))'; model '\(parser.modelName)' reads \(parser.featureNames.prefix(10).map { "'\($0)'" }.joined(separator: ", "))\(parser.featureNames.count > 10 ? ", … (\(parser.featureNames.count) in all)" : "")")
                }
                guard !parser.seen[column] else { throw parser.fail("instances[\(r)] gives feature '\(key)' twice") }
                parser.seen[column] = true
                try parser.expect(":")
                parser.out[start + column] = try parser.parseNumber(at: "instances[\(r)][\(jsonQuoted(key))]") * parser.scale
            }
            if let missing = seen.firstIndex(of: false) {
                throw fail("instances[\(r)] lacks feature '\(featureNames[missing])'")
            }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            guard width == 1 else {
                throw fail("instances[\(r)] is a single number; model '\(modelName)' reads \(width) values per example")
            }
            try write(try parseNumber(at: "instances[\(r)]") * scale)
        default:
            throw fail("instances[\(r)]: expected a list of numbers, an object of features or a number, got \(token())")
        }
    }

    /// The numbers of example r, after its `[`: the hot loop, with small integers (pixel
    /// values, say) read inline.
    private mutating func parseValues(of r: Int) throws(RequestError) {
        var count = 0
        skipSpace()
        if peek() == UInt8(ascii: "]") {
            i += 1
        } else {
            while true {
                skipSpace()
                let v: Float
                if let small = smallInteger() {
                    v = small
                } else {
                    v = try parseNumber(at: "instances[\(r)][\(count)]")
                }
                if count < width { try write(v * scale) }
                count += 1
                skipSpace()
                guard i < bytes.count else { throw fail("the body ends inside instances[\(r)]; expected ',' or ']'") }
                let next = bytes[i]
                i += 1
                if next == UInt8(ascii: ",") { continue }
                if next == UInt8(ascii: "]") { break }
                i -= 1
                throw fail("expected ',' or ']' in instances[\(r)], got \(token())")
            }
        }
        guard count == width else {
            throw fail("instances[\(r)] has \(count) value\(count == 1 ? "" : "s"); model '\(modelName)' reads \(width)")
        }
    }

    // MARK: Values

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


    /// A JSON number as the nearest Float (correctly rounded, by strtof).
    private mutating func parseNumber(at place: @autoclosure () -> String) throws(RequestError) -> Float {
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
            throw fail("\(place()): expected a number, got \(token())")
        }
        if peek() == UInt8(ascii: ".") {
            integer = false
            i += 1
            guard isDigit(peek()) else { throw fail("\(place()): a digit must follow the decimal point, got \(token())") }
            while isDigit(peek()) { i += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            integer = false
            i += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { i += 1 }
            guard isDigit(peek()) else { throw fail("\(place()): the exponent needs digits, got \(token())") }
            while isDigit(peek()) { i += 1 }
        }
        let length = i - start
        let negative = bytes[start] == UInt8(ascii: "-")
        if integer, length - (negative ? 1 : 0) <= 7 {  // |v| < 10⁷ < 2²⁴: exact as a Float
            var value = 0
            for k in (start + (negative ? 1 : 0))..<i { value = value * 10 + Int(bytes[k] &- UInt8(ascii: "0")) }
            return Float(negative ? -value : value)
        }
        guard length <= 1024 else { throw fail("\(place()): a number of \(length) characters is too long") }
        let value = withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { text in
            for k in 0..<length { text[k] = CChar(bitPattern: bytes[start + k]) }
            text[length] = 0
            return text.baseAddress.map { strtof($0, nil) } ?? .nan
        }
        guard value.isFinite else {
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
            throw fail("\(place()): \(text) is beyond the range of a 32-bit float", at: start)
        }
        return value
    }

    /// A JSON string, its escapes decoded.
    /// - Throws: `RequestError` for a string that is not valid UTF-8 (RFC 8259, section 8.1),
    ///   naming the example it is in and the byte: a feature name never matches by accident
    ///   after its bad bytes became U+FFFD.
    private mutating func parseString() throws(RequestError) -> String {
        skipSpace()
        guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string in quotes, got \(token())") }
        i += 1
        let start = i
        while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\"), bytes[i] >= 0x20 { i += 1 }
        if let bad = Self.firstInvalidUTF8(UnsafeBufferPointer(rebasing: bytes[start..<i])) {
            throw invalidUTF8(at: start + bad)
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "\"") {
            i += 1
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<(i - 1)]), as: UTF8.self)
        }
        var utf8 = Array(bytes[start..<i])
        while true {
            guard i < bytes.count else { throw fail("the body ends inside a string") }
            let byte = bytes[i]
            if byte == UInt8(ascii: "\"") {
                i += 1
                return String(decoding: utf8, as: UTF8.self)
            }
            guard byte >= 0x20 else { throw fail("a control character (\(byte)) inside a string must be escaped") }
            guard byte == UInt8(ascii: "\\") else {
                let run = i
                while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\"), bytes[i] >= 0x20 { i += 1 }
                if let bad = Self.firstInvalidUTF8(UnsafeBufferPointer(rebasing: bytes[run..<i])) {
                    throw invalidUTF8(at: run + bad)
                }
                utf8.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i]))
                continue
            }
            i += 1
            try JSONBytes.decodeEscape(in: bytes, at: &i, into: &utf8, document: "the body")
        }
    }

    /// The offset of the first byte of `run` that does not belong to valid UTF-8, if any: an
    /// ASCII run (the common case) is checked byte by byte, anything else by the standard
    /// library's decoder.
    private static func firstInvalidUTF8(_ run: UnsafeBufferPointer<UInt8>) -> Int? {
        guard run.contains(where: { $0 >= 0x80 }) else { return nil }
        var decoder = UTF8()
        var iterator = run.makeIterator()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    /// The error for a byte that is not UTF-8, naming the example being read (if any) and the
    /// byte's offset in the body.
    private func invalidUTF8(at position: Int) -> RequestError {
        let example = inInstance ? "instances[\(rows)]: " : ""
        let hex = String(bytes[position], radix: 16, uppercase: true)
        return fail("\(example)a string is not valid UTF-8: byte \(position) of the body is 0x\(hex)", at: position)
    }

    /// Reads any JSON value and drops it (for keys other than "instances").
    private mutating func skipValue(depth: Int) throws(RequestError) {
        guard depth <= Self.maximumDepth else { throw fail("values nested deeper than \(Self.maximumDepth) levels") }
        skipSpace()
        switch peek() ?? 0 {
        case UInt8(ascii: "{"):
            i += 1
            try members { parser throws(RequestError) in
                _ = try parser.parseString()
                try parser.expect(":")
                try parser.skipValue(depth: depth + 1)
            }
        case UInt8(ascii: "["):
            i += 1
            try elements("a list") { parser throws(RequestError) in try parser.skipValue(depth: depth + 1) }
        case UInt8(ascii: "\""):
            _ = try parseString()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default:
            let start = i
            _ = try? parseNumber(at: "a value")  // its range does not matter here
            guard i > start else { throw fail("expected a JSON value, got \(token())") }
        }
    }

    private mutating func literal(_ word: StaticString) throws(RequestError) {
        let count = word.utf8CodeUnitCount
        guard i + count <= bytes.count, (0..<count).allSatisfy({ bytes[i + $0] == word.utf8Start[$0] }) else {
            throw fail("expected a JSON value, got \(token())")
        }
        i += count
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

    /// What is at the current position, for an error.
    private func token() -> String {
        JSONBytes.token(in: bytes, at: i, document: "the body")
    }

    private func fail(_ message: String, at position: Int? = nil) -> RequestError {
        JSONBytes.error(message, in: bytes, at: position ?? i)
    }
}
#endif
