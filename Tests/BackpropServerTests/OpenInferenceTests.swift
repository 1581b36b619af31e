#if Server
import Backprop
import Foundation
import Hummingbird
import Testing
@testable import BackpropServer

/// The Open Inference Protocol's routes: metadata, readiness, and inference with JSON and
/// binary tensors, answers checked against the library's own predictions.
@Suite struct OpenInferenceTests {
    let rows: [[Float]] = [[1, -2, 0.5], [3, 0, -4], [-1.5, 2.25, 10]]
    let classNames = ["cat", "dog", "emu \"quoted\""]

    @Test func serverAndModelMetadata() async throws {
        let fixture = try ServerFixture()
        try await serving(fixture.server()) { client in
            let server = try json(await client.execute(uri: "/v2", method: .get))
            #expect(server["name"] as? String == "backprop")
            #expect((server["extensions"] as? [String])?.contains("binary_tensor_data") == true)
            for path in ["/v2/health/live", "/v2/health/ready", "/v2/models/flowers/ready", "/v2/models/flowers/versions/1/ready"] {
                #expect(try await client.execute(uri: path, method: .get).status == .ok, "\(path)")
            }
            for path in ["/v2/models/flowers", "/v2/models/flowers/versions/1"] {
                let metadata = try json(await client.execute(uri: path, method: .get))
                #expect(metadata["name"] as? String == "flowers")
                #expect(metadata["versions"] as? [String] == ["1"])
                #expect(metadata["platform"] as? String == "backprop")
                let inputs = try #require(metadata["inputs"] as? [[String: Any]])
                #expect(inputs.count == 1)
                #expect(inputs[0]["name"] as? String == "input")
                #expect(inputs[0]["datatype"] as? String == "FP32")
                #expect(inputs[0]["shape"] as? [Int] == [-1, 3])
                let outputs = try #require(metadata["outputs"] as? [[String: Any]])
                #expect(outputs.map { $0["name"] as? String } == ["probabilities", "class"])
                #expect(outputs.map { $0["datatype"] as? String } == ["FP32", "BYTES"])
                #expect(outputs[0]["shape"] as? [Int] == [-1, 3])
                #expect(outputs[1]["shape"] as? [Int] == [-1])
            }
            #expect(try await client.execute(uri: "/v2/models/flowers/versions/2", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/v2/models/flowers/versions/2/ready", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/v2/models/trees/ready", method: .get).status == .notFound)
        }
    }

    @Test(arguments: ["flat", "nested"])
    func jsonTensorsGetTheLibrarysProbabilities(_ layout: String) async throws {
        let fixture = try ServerFixture()
        let expected = try libraryOutputs(fixture.classifier, rows)
        let data =
            layout == "flat"
            ? "[" + rows.joined().map { "\($0)" }.joined(separator: ",") + "]"
            : "[" + rows.map { "[" + $0.map { "\($0)" }.joined(separator: ",") + "]" }.joined(separator: ",") + "]"
        let body = "{\"id\": \"r-1\", \"inputs\": [{\"name\": \"input\", \"shape\": [3, 3], \"datatype\": \"FP32\", \"data\": \(data)}]}"
        try await serving(fixture.server()) { client in
            for uri in ["/v2/models/flowers/infer", "/v2/models/flowers/versions/1/infer"] {
                let response = try await post(client, uri, body)
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let answer = try json(response)
                #expect(answer["model_name"] as? String == "flowers")
                #expect(answer["model_version"] as? String == "1")
                #expect(answer["id"] as? String == "r-1")
                let outputs = try #require(answer["outputs"] as? [[String: Any]])
                #expect(outputs.count == 2)
                #expect(outputs[0]["shape"] as? [Int] == [3, 3])
                let p = try #require(outputs[0]["data"] as? [Double])
                for r in 0..<3 {
                    for k in 0..<3 { #expect(abs(p[3 * r + k] - Double(expected[r][k])) < 1e-6) }
                }
                let best = expected.map { row in classNames[row.indices.max { row[$0] < row[$1] } ?? 0] }
                #expect(outputs[1]["data"] as? [String] == best)
                #expect(outputs[1]["shape"] as? [Int] == [3])
            }
        }
    }

    @Test func binaryTensorsBothWays() async throws {
        let fixture = try ServerFixture()
        let expected = try libraryOutputs(fixture.classifier, rows)
        let header = "{\"inputs\": [{\"name\": \"input\", \"shape\": [3, 3], \"datatype\": \"FP32\", \"parameters\": {\"binary_data_size\": 36}}],"
            + " \"outputs\": [{\"name\": \"class\", \"parameters\": {\"binary_data\": true}}, {\"name\": \"probabilities\", \"parameters\": {\"binary_data\": true}}]}"
        try await serving(fixture.server()) { client in
            let response = try await client.execute(
                uri: "/v2/models/flowers/infer", method: .post, headers: [BinaryTensorFraming.headerName: "\(header.utf8.count)"],
                body: ByteBuffer(bytes: binaryBody(header, rows.joined().map { $0 })))
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let length = try #require(response.headers["inference-header-content-length"].flatMap { Int($0) })
            let bytes = Array(response.body.readableBytesView)
            let answer = try #require(try JSONSerialization.jsonObject(with: Data(bytes[..<length])) as? [String: Any])
            let outputs = try #require(answer["outputs"] as? [[String: Any]])
            #expect(outputs.map { $0["name"] as? String } == ["class", "probabilities"])
            let sizes = outputs.map { ($0["parameters"] as? [String: Any])?["binary_data_size"] as? Int ?? -1 }
            #expect(sizes[1] == 36)
            #expect(length + sizes[0] + sizes[1] == bytes.count)
            var names: [String] = []
            var at = length
            for _ in 0..<3 {
                let count = Int(UInt32(littleEndian: bytes[at..<(at + 4)].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }))
                names.append(String(decoding: bytes[(at + 4)..<(at + 4 + count)], as: UTF8.self))
                at += 4 + count
            }
            #expect(names == expected.map { row in classNames[row.indices.max { row[$0] < row[$1] } ?? 0] })
            for k in 0..<9 {
                let bits = UInt32(littleEndian: bytes[(at + 4 * k)..<(at + 4 * k + 4)].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) })
                #expect(abs(Float(bitPattern: bits) - expected[k / 3][k % 3]) < 1e-6)
            }
        }
    }

    @Test func regressorAnswersValues() async throws {
        let fixture = try ServerFixture()
        let expected = try libraryOutputs(fixture.regressor, [[0.5, -1], [2, 3]])
        try await serving(fixture.server(fixture.regressorPath)) { client in
            let response = try await post(
                client, "/v2/models/surface/infer",
                "{\"inputs\": [{\"name\": \"input\", \"shape\": [2, 2], \"datatype\": \"FP32\", \"data\": [[0.5, -1], [2, 3]]}]}")
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let outputs = try #require(try json(response)["outputs"] as? [[String: Any]])
            #expect(outputs.count == 1)
            #expect(outputs[0]["name"] as? String == "values")
            #expect(outputs[0]["shape"] as? [Int] == [2, 1])
            let values = try #require(outputs[0]["data"] as? [Double])
            for r in 0..<2 { #expect(abs(values[r] - Double(expected[r][0])) < 1e-6) }
        }
    }

    @Test func requestParametersAskForBinaryOutputs() throws {
        let header = "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 3], \"datatype\": \"FP32\", \"data\": [1, 2, 3]}], \"parameters\": {\"binary_data_output\": true}}"
        let request = try Array(header.utf8).withUnsafeBufferPointer { bytes throws(RequestError) in try InferenceRequest.parse(bytes) }
        #expect(request.binaryDataOutput)
        #expect(request.inputs.first?.data == [1, 2, 3])
        let model = try ServedModel(model: ServerFixture.classifier(seed: 1), name: "flowers", version: 1, file: "flowers.safetensors")
        let selected = try InferenceResponse.selection(request, model: model)
        #expect(selected.map(\.name) == ["probabilities", "class"])
        #expect(selected.filter(\.binary).count == 2)
    }
}

/// The v2 request reader against Foundation's JSONSerialization on mutated bodies: it never
/// traps, and whatever it accepts is JSON that Foundation accepts too.
@Suite struct InferenceRequestMutationTests {
    @Test func mutatedBodiesAreRefusedOrValidJSON() {
        let valid = Array(
            "{\"id\": \"r\\u00e9\", \"inputs\": [{\"name\": \"input\", \"shape\": [2, 3], \"datatype\": \"FP32\", \"data\": [[1, -2.5e1, 0.5], [3, 0, 4]], \"parameters\": {\"x\": [true, null]}}], \"outputs\": [{\"name\": \"class\", \"parameters\": {\"binary_data\": false}}], \"parameters\": {\"binary_data_output\": true}}".utf8)
        let alphabet = Array("{}[]\",:0123456789-+.eE truenlfas\\u".utf8)
        var generator = SystemRandomNumberGenerator()
        var accepted = 0
        for trial in 0..<3000 {
            var bytes = valid
            for _ in 0..<(1 + trial % 3) {
                let at = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[at] = alphabet.randomElement(using: &generator) ?? 0
                case 1: bytes.remove(at: at)
                default: bytes.insert(alphabet.randomElement(using: &generator) ?? 0, at: at)
                }
            }
            let parsed = bytes.withUnsafeBufferPointer { body in Result { () throws(RequestError) in try InferenceRequest.parse(body) } }
            if case .success = parsed {
                accepted += 1
                #expect((try? JSONSerialization.jsonObject(with: Data(bytes))) != nil, "\(String(decoding: bytes, as: UTF8.self))")
            }
        }
        #expect(accepted > 0)
    }
}

/// `header` followed by `values` as little-endian FP32.
func binaryBody(_ header: String, _ values: [Float]) -> [UInt8] {
    var bytes = Array(header.utf8)
    for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
    return bytes
}
#endif
