#if Server
import Backprop
import BackpropServer
import Foundation
import Hummingbird
import Testing
import TestSupport

/// A classifier of three named features into three classes, with standardization, and a
/// regressor of two features, written to a fresh folder for each test.
struct ServerFixture {
    let folder: TemporaryFolder
    let classifierPath: String
    let regressorPath: String
    let classifier: Model<Float>
    let regressor: Model<Float>

    init() throws {
        folder = try TemporaryFolder("backprop-server")
        classifier = try Self.classifier(seed: 1)
        classifierPath = folder.appendingPathComponent("flowers.safetensors").path
        try ModelFile.write(classifier, to: classifierPath)
        regressor = try Model(
            network: Network(sizes: [2, 5, 1], activation: .tanh, loss: .quadratic, seed: 2),
            labels: LabelEncoding(task: .regression), scaler: .identity(count: 2), featureNames: ["u", "v"])
        regressorPath = folder.appendingPathComponent("surface.safetensors").path
        try ModelFile.write(regressor, to: regressorPath)
    }

    static func classifier(seed: UInt64) throws -> Model<Float> {
        try Model(
            network: Network(sizes: [3, 4, 3], activation: .relu, loss: .crossEntropy, seed: seed),
            labels: LabelEncoding(task: .classification, classNames: ["cat", "dog", "emu \"quoted\""]),
            scaler: FeatureScaler(kind: .standardize, shift: [1, -2, 0.5], scale: [2, 0.5, 4]),
            featureNames: ["x1", "x2", "x3"])
    }

    func server(_ path: String? = nil, _ adjust: (inout ServerConfiguration) -> Void = { _ in }) throws -> ModelServer {
        var configuration = try ServerConfiguration(modelPath: path ?? classifierPath)
        configuration.port = 0
        configuration.watchInterval = nil
        adjust(&configuration)
        return try ModelServer(configuration)
    }
}

/// A response body as JSON.
func json(_ response: TestResponse) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(buffer: response.body))
    return try #require(object as? [String: Any], "not a JSON object: \(String(buffer: response.body))")
}

/// POSTs `body` to `uri` and returns the response.
func post(_ client: TestClient, _ uri: String, _ body: String, headers: HTTPFields = [:]) async throws -> TestResponse {
    try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
}

/// `{"instances": [[…], …]}` for these rows.
func instancesJSON(_ rows: [[Float]]) -> String {
    let lists: [String] = rows.map { row in "[" + row.map { "\($0)" }.joined(separator: ",") + "]" }
    return "{\"instances\": [" + lists.joined(separator: ",") + "]}"
}

/// The library's own probabilities for raw rows, the reference the server must match.
func libraryOutputs(_ model: Model<Float>, _ rows: [[Float]]) throws -> [[Float]] {
    let outputs = try model.predict(Matrix(rows))
    return (0..<outputs.rows).map { outputs.row($0) }
}
#endif
