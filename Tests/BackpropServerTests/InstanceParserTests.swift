#if Server
import Backprop
import Foundation
import Testing
@testable import BackpropServer

/// The predict-body parser against Foundation's JSONSerialization, the reference for what
/// JSON is: on thousands of mutated bodies, whatever the parser accepts Foundation accepts
/// too, with the same numbers; and it neither crashes nor accepts what is not JSON.
@Suite struct InstanceParserTests {
    let model: ServedModel

    init() throws {
        model = try ServedModel(model: ServerFixture.classifier(seed: 1), name: "flowers", version: 1, file: "flowers.safetensors")
    }

    func parse(_ bytes: [UInt8]) -> Result<(x: [Float], rows: Int), RequestError> {
        bytes.withUnsafeBufferPointer { body in Result { () throws(RequestError) in try InstanceParser.inputs(of: body, for: model) } }
    }

    /// The inputs Foundation's reading of `bytes` gives, if it is a valid request for the model.
    func reference(_ bytes: [UInt8]) -> [Float]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let instances = object["instances"] as? [Any] else { return nil }
        var x = [Float]()
        for instance in instances {
            if let list = instance as? [NSNumber] {
                x += list.map { Float($0.doubleValue) }
            } else if let named = instance as? [String: NSNumber] {
                x += ["x1", "x2", "x3"].map { Float(named[$0]?.doubleValue ?? .nan) }
            } else {
                return nil
            }
        }
        return x
    }

    /// Bytes that are not UTF-8 in a string are refused with the example and the byte named,
    /// not read as U+FFFD; valid UTF-8, escaped or not, is read.
    @Test func invalidUTF8InAStringIsRefused() throws {
        let cases: [(body: [UInt8], message: String)] = [
            (Array(#"{"instances": [[1, 2, 3], {"x1"#.utf8) + [0xFF] + Array(#"": 1}]}"#.utf8), "instances[1]: a string is not valid UTF-8: byte 30 of the body is 0xFF"),
            (Array(#"{"instances": [{"x\n"#.utf8) + [0xC3, 0x28] + Array(#"": 1}]}"#.utf8), "instances[0]: a string is not valid UTF-8: byte 20 of the body is 0xC3"),
            (Array(#"{"k"#.utf8) + [0xED, 0xA0, 0x80] + Array(#"": 1, "instances": [[1, 2, 3]]}"#.utf8), "a string is not valid UTF-8: byte 3 of the body is 0xED"),
        ]
        for (body, message) in cases {
            guard case .failure(let error) = parse(body) else {
                Issue.record("accepted \(body)")
                continue
            }
            #expect(error.status == .badRequest)
            #expect(error.message.contains(message), "\(error.message)")
        }
        let valid = Array(#"{"é": "\u00e9 ü 😀", "instances": [[1, 2, 3]]}"#.utf8)
        guard case .success(let parsed) = parse(valid) else {
            Issue.record("refused valid UTF-8")
            return
        }
        #expect(parsed.rows == 1)
    }

    /// The parser stops at the first example past the limit: 413, whatever follows.
    @Test func stopsAtTheFirstExamplePastTheLimit() throws {
        let body = Array(("{\"instances\": [" + String(repeating: "[1, 2, 3], ", count: 5) + "[1, 2, ]]}").utf8)
        let result = body.withUnsafeBufferPointer { body in
            Result { () throws(RequestError) in try InstanceParser.inputs(of: body, for: model, maxExamples: 4) }
        }
        guard case .failure(let error) = result else {
            Issue.record("accepted 6 examples with a limit of 4")
            return
        }
        #expect(error.status == .contentTooLarge)
        #expect(error.message.contains("more than 4 examples") && error.message.contains("--max-request-examples"), "\(error.message)")
        let fits = Array(("{\"instances\": [" + String(repeating: "[1, 2, 3], ", count: 3) + "[1, 2, 3]]}").utf8)
        let parsed = fits.withUnsafeBufferPointer { body in
            Result { () throws(RequestError) in try InstanceParser.inputs(of: body, for: model, maxExamples: 4) }
        }
        #expect((try? parsed.get().rows) == 4)
    }

    @Test func readsListsObjectsEscapesAndOtherKeys() throws {
        let body = #"{"signature_name": "serving_default", "meta": {"a": [true, false, null, "s\u00e9\n\ud83d\ude00"], "b": -1.5e-3},"#
            + #" "instances": [[1, -2.5e-3, 3E+2], {"x\u0031": 0.5, "x3": -0, "\u0078\u0032": 1e2}, [0.1, 1234567, 12345678]]}"#
        let parsed = try parse(Array(body.utf8)).get()
        #expect(parsed.rows == 3)
        #expect(parsed.x == [1, -0.0025, 300, 0.5, 100, 0, 0.1, 1_234_567, 12_345_678])
    }

    @Test func agreesWithFoundationOnMutatedBodies() {
        let seeds = [
            #"{"instances": [[1, -2.5e-3, 3], {"x1": 0.5, "x2": 1E2, "x3": -0}], "signature_name": "s", "m": {"a": [true, null, "q\"\\u00e9"]}}"#,
            #"{ "instances" : [ [ 0.125 , 7 , -9.75e1 ] , [ 10 , 20 , 30 ] ] }"#,
            #"{"instances":[{"x3":3,"x2":2,"x1":1}]}"#,
        ].map { Array($0.utf8) }
        let alphabet = Array(#"{}[],:"\ -+.eE0123456789xtrufalsn"#.utf8) + [0x0A, 0x09]
        var random = RandomSource(seed: 13)
        var accepted = 0, refused = 0
        for trial in 0..<10_000 {
            var bytes = seeds[trial % seeds.count]
            for _ in 0...Int.random(in: 0...2, using: &random) {
                let at = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0: bytes.remove(at: at)
                case 1: bytes.insert(alphabet.randomElement(using: &random) ?? 0, at: at)
                case 2: bytes[at] = alphabet.randomElement(using: &random) ?? 0
                default: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + Int.random(in: 1...8, using: &random))], at: at)
                }
                if bytes.isEmpty { bytes = [0x7B] }
            }
            switch parse(bytes) {
            case .success(let parsed):
                accepted += 1
                let text = String(decoding: bytes, as: UTF8.self)
                guard let expected = reference(bytes) else {
                    Issue.record("accepted what Foundation does not read as a request: \(text)")
                    continue
                }
                #expect(parsed.x.count == expected.count, "\(text)")
                for (a, b) in zip(parsed.x, expected) { #expect(a == b || abs(a - b) <= 1e-6 * abs(b), "\(a) vs \(b) in \(text)") }
            case .failure(let error):
                refused += 1
                #expect(error.message.contains("(line "), "an error without a position: \(error.message)")
            }
        }
        #expect(accepted > 500 && refused > 5000, "accepted \(accepted), refused \(refused): the mutations test too little")
    }
}
#endif
