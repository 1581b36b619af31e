#if Server
import Backprop
import BackpropServer
import Foundation
import Hummingbird
import Testing

/// A reload swaps in a new version whole, and a file that does not load leaves the old one serving.
@Suite struct ReloadTests {
    let body = "{\"instances\": [[3, 0, -4]]}"

    func probabilities(_ response: TestResponse) throws -> [Double] {
        let prediction = try #require((try json(response)["predictions"] as? [[String: Any]])?.first)
        let p = try #require(prediction["probabilities"] as? [String: Double])
        return [p["cat", default: -1], p["dog", default: -1], p["emu \"quoted\"", default: -1]]
    }

    func expectClose(_ a: [Double], _ b: [Float], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count, sourceLocation: sourceLocation)
        for (x, y) in zip(a, b) { #expect(abs(x - Double(y)) < 1e-6, sourceLocation: sourceLocation) }
    }

    @Test func reloadServesTheNewFileAndSurvivesABadOne() async throws {
        let fixture = try ServerFixture()
        let server = try fixture.server()
        let retrained = try ServerFixture.classifier(seed: 9)
        try await serving(server) { client in
            expectClose(try probabilities(await post(client, "/v1/models/flowers:predict", body)), try libraryOutputs(fixture.classifier, [[3, 0, -4]])[0])
            try ModelFile.write(retrained, to: fixture.classifierPath)
            #expect(try server.reload().get() == 2)
            expectClose(try probabilities(await post(client, "/v1/models/flowers:predict", body)), try libraryOutputs(retrained, [[3, 0, -4]])[0])
            #expect(try json(await client.execute(uri: "/readyz", method: .get))["version"] as? Int == 2)

            try Data("not a model".utf8).write(to: URL(fileURLWithPath: fixture.classifierPath))
            guard case .failure(let error) = server.reload() else {
                Issue.record("a damaged file was served")
                return
            }
            #expect("\(error)".contains("flowers.safetensors"))
            #expect(server.modelVersion == 2)
            expectClose(try probabilities(await post(client, "/v1/models/flowers:predict", body)), try libraryOutputs(retrained, [[3, 0, -4]])[0])
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("backprop_model_reloads_total{result=\"success\"} 1"))
            #expect(metrics.contains("backprop_model_reloads_total{result=\"error\"} 1"))
            #expect(metrics.contains("backprop_model_version 2"))
        }
    }

    @Test func aChangedFileIsReloadedByTheWatcher() async throws {
        let fixture = try ServerFixture()
        let server = try fixture.server { $0.watchInterval = .milliseconds(50) }
        let wider = try Model<Float>(
            network: Network(sizes: [3, 8, 3], activation: .tanh, loss: .crossEntropy, seed: 4),
            labels: LabelEncoding(task: .classification, classNames: ["cat", "dog", "emu \"quoted\""]),
            scaler: .identity(count: 3), featureNames: ["x1", "x2", "x3"])
        try await serving(server) { client in
            try await Task.sleep(for: .milliseconds(200))
            #expect(server.modelVersion == 1)
            try ModelFile.write(wider, to: fixture.classifierPath)
            let start = ContinuousClock.now
            while server.modelVersion == 1, ContinuousClock.now - start < .seconds(30) { try await Task.sleep(for: .milliseconds(50)) }
            #expect(server.modelVersion == 2)
            let metadata = try json(await client.execute(uri: "/v1/models/flowers", method: .get))
            #expect((metadata["layers"] as? [[String: Any]])?.first?["outputs"] as? Int == 8)
            expectClose(try probabilities(await post(client, "/v1/models/flowers:predict", body)), try libraryOutputs(wider, [[3, 0, -4]])[0])
            try await Task.sleep(for: .milliseconds(300))
            #expect(server.modelVersion == 2, "an unchanged file was reloaded again")
        }
    }
}
#endif
