#if Server
import Backprop
import BackpropServer
import Foundation
import Hummingbird
import Testing

/// Every endpoint through Hummingbird's router test framework, answers checked against the
/// library's own predictions.
@Suite struct PredictTests {
    let rows: [[Float]] = [[1, -2, 0.5], [3, 0, -4], [-1.5, 2.25, 10]]

    @Test func listsOfValuesGetTheLibrarysProbabilities() async throws {
        let fixture = try ServerFixture()
        let expected = try libraryOutputs(fixture.classifier, rows)
        let body = instancesJSON(rows)
        try await serving(fixture.server()) { client in
            let response = try await post(client, "/v1/models/flowers:predict", body)
            #expect(response.status == .ok)
            #expect(response.headers["content-type"] == "application/json")
            let predictions = try #require(try json(response)["predictions"] as? [[String: Any]])
            #expect(predictions.count == rows.count)
            let names = ["cat", "dog", "emu \"quoted\""]
            for (r, prediction) in predictions.enumerated() {
                let probabilities = try #require(prediction["probabilities"] as? [String: Double])
                #expect(Set(probabilities.keys) == Set(names))
                for (k, name) in names.enumerated() {
                    #expect(abs(probabilities[name, default: -1] - Double(expected[r][k])) < 1e-6, "row \(r), class \(name)")
                }
                let best = expected[r].indices.max { expected[r][$0] < expected[r][$1] } ?? -1
                #expect(prediction["class"] as? String == names[best])
            }
        }
    }

    @Test func objectsKeyedByFeatureNameEqualLists() async throws {
        let fixture = try ServerFixture()
        try await serving(fixture.server()) { client in
            let listed = try json(await post(client, "/v1/models/flowers:predict", "{\"instances\": [[3, 0, -4]]}"))
            let named = try json(await post(client, "/v1/models/flowers:predict", "{\"instances\": [{\"x3\": -4, \"x1\": 3, \"x2\": 0}]}"))
            #expect(NSDictionary(dictionary: listed).isEqual(to: named))
        }
    }

    @Test func regressorAnswersNumbers() async throws {
        let fixture = try ServerFixture()
        let expected = try libraryOutputs(fixture.regressor, [[0.5, -1], [2, 3]])
        try await serving(fixture.server(fixture.regressorPath)) { client in
            let response = try await post(client, "/v1/models/surface:predict", "{\"instances\": [[0.5, -1], {\"u\": 2, \"v\": 3}]}")
            #expect(response.status == .ok)
            let predictions = try #require(try json(response)["predictions"] as? [Double])
            #expect(predictions.count == 2)
            for r in 0..<2 { #expect(abs(predictions[r] - Double(expected[r][0])) < 1e-6) }
        }
    }

    @Test func imagesAreDividedAsTheirFilesWere() async throws {
        let fixture = try ServerFixture()
        let model = try Model<Float>(
            network: Network(sizes: [4, 3, 2], activation: .sigmoid, loss: .crossEntropy, seed: 5),
            labels: LabelEncoding(task: .classification, classNames: ["dark", "light"]), scaler: .identity(count: 4), input: .images)
        let path = fixture.folder.appendingPathComponent("pixels.safetensors").path
        try ModelFile.write(model, to: path)
        let expected = try libraryOutputs(model, [[0, 0.5, 1, 0.25]])
        try await serving(fixture.server(path)) { client in
            let response = try await post(client, "/v1/models/pixels:predict", "{\"instances\": [[0, 127.5, 255, 63.75]]}")
            let prediction = try #require((try json(response)["predictions"] as? [[String: Any]])?.first)
            let p = try #require(prediction["probabilities"] as? [String: Double])
            #expect(abs(p["dark", default: -1] - Double(expected[0][0])) < 1e-6)
            #expect(abs(p["light", default: -1] - Double(expected[0][1])) < 1e-6)
        }
    }

    @Test func metadataHealthAndReadiness() async throws {
        let fixture = try ServerFixture()
        try await serving(fixture.server()) { client in
            let metadata = try json(await client.execute(uri: "/v1/models/flowers", method: .get))
            #expect(metadata["name"] as? String == "flowers")
            #expect(metadata["version"] as? Int == 1)
            #expect(metadata["classes"] as? [String] == ["cat", "dog", "emu \"quoted\""])
            #expect((metadata["inputs"] as? [String: Any])?["feature_names"] as? [String] == ["x1", "x2", "x3"])
            #expect((metadata["layers"] as? [[String: Any]])?.count == 2)
            #expect((metadata["model_version_status"] as? [[String: Any]])?.first?["state"] as? String == "AVAILABLE")
            let alias = try json(await client.execute(uri: "/v1/models/flowers/metadata", method: .get))
            #expect(alias["name"] as? String == "flowers")
            #expect(try await client.execute(uri: "/v1/models/flowers/versions/1", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            let ready = try json(await client.execute(uri: "/readyz", method: .get))
            #expect(ready["status"] as? String == "ready")
            #expect(ready["version"] as? Int == 1)
        }
    }

    @Test func versionedPredictUsesTheServedVersionOnly() async throws {
        let fixture = try ServerFixture()
        try await serving(fixture.server()) { client in
            let body = "{\"instances\": [[1, 2, 3]]}"
            #expect(try await post(client, "/v1/models/flowers/versions/1:predict", body).status == .ok)
            let missing = try await post(client, "/v1/models/flowers/versions/7:predict", body)
            #expect(missing.status == .notFound)
            #expect((try json(missing)["error"] as? String)?.contains("no version '7'") == true)
        }
    }

    @Test func metricsCountRequestsByStatusAndBatches() async throws {
        let fixture = try ServerFixture()
        try await serving(fixture.server()) { client in
            for _ in 0..<3 { _ = try await post(client, "/v1/models/flowers:predict", "{\"instances\": [[1, 2, 3], [4, 5, 6]]}") }
            _ = try await post(client, "/v1/models/flowers:predict", "{\"instances\": [[1, 2]]}")
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = String(buffer: response.body)
            #expect(text.contains("backprop_requests_total{handler=\"predict\",code=\"200\"} 3"), "\(text)")
            #expect(text.contains("backprop_requests_total{handler=\"predict\",code=\"400\"} 1"))
            #expect(text.contains("backprop_examples_total 6"))
            #expect(text.contains("backprop_batch_size_examples_count 3"))
            #expect(text.contains("backprop_request_duration_seconds_bucket{handler=\"predict\""))
            #expect(text.contains("backprop_requests_in_flight 1"))  // this request
            #expect(text.contains("backprop_model_version 1"))
        }
    }

    /// Concurrent requests share forward passes, and each gets its own rows back.
    @Test func concurrentRequestsAreBatchedAndAnsweredEachTheirOwn() async throws {
        let fixture = try ServerFixture()
        // The 16 requests hold 32 examples: a pass starts once all have arrived (or after
        // 10 s), so the test does not depend on how fast a loaded machine schedules them.
        let server = try fixture.server { $0.maxDelay = .seconds(10); $0.maxBatch = 32 }
        let requests: [[[Float]]] = (0..<16).map { (i: Int) -> [[Float]] in
            let x = Float(i)
            return [[x, -x, 0.5], [x / 3, 1, Float(i % 5)]]
        }
        let expected = try requests.map { try libraryOutputs(fixture.classifier, $0) }
        try await serving(server) { client in
            try await withThrowingTaskGroup(of: (Int, [[Double]]).self) { group in
                for (i, rows) in requests.enumerated() {
                    group.addTask {
                        let response = try await post(client, "/v1/models/flowers:predict", instancesJSON(rows))
                        let predictions = try #require(try json(response)["predictions"] as? [[String: Any]])
                        return (i, try predictions.map { prediction in
                            let p = try #require(prediction["probabilities"] as? [String: Double])
                            return [p["cat", default: -1], p["dog", default: -1], p["emu \"quoted\"", default: -1]]
                        })
                    }
                }
                for try await (i, answer) in group {
                    for r in 0..<2 {
                        for k in 0..<3 { #expect(abs(answer[r][k] - Double(expected[i][r][k])) < 1e-6, "request \(i) row \(r)") }
                    }
                }
            }
            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            let passes = try #require(text.split(separator: "\n").first { $0.hasPrefix("backprop_batch_size_examples_count") })
            let count = try #require(Int(passes.split(separator: " ").last ?? ""))
            #expect(count < 16, "16 concurrent requests took \(count) forward passes")
            #expect(text.contains("backprop_examples_total 32"))
        }
    }
}
#endif
