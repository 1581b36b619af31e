#if Server
@testable import BackpropServer
import Backprop
import Foundation
import Logging
import Testing
import TestSupport

/// A repository of models and versions: which versions each policy serves, and what
/// happens as versions appear, break and go.
@Suite struct ModelRepositoryTests {
    @Test(arguments: [
        ("latest:1", VersionPolicy.latest(1)), ("latest:3", .latest(3)), ("all", .all), ("specific:2,5", .specific([2, 5])),
    ])
    func policiesAreRead(_ text: String, _ policy: VersionPolicy) {
        #expect(VersionPolicy(text) == policy)
        #expect(VersionPolicy(policy.description) == policy)
    }

    @Test(arguments: ["", "latest", "latest:0", "latest:-1", "latest:x", "specific:", "specific:0", "specific:1,x", "some", "all:1"])
    func badPoliciesAreRefused(_ text: String) {
        #expect(VersionPolicy(text) == nil)
    }

    /// iris/1, iris/2 and other/4 with a model each, and what a repository serves of them.
    @Test func versionsArePickedByThePolicy() throws {
        let folder = try TemporaryFolder()
        let model = try Self.model()
        for (name, version) in [("iris", 1), ("iris", 2), ("other", 4)] {
            try Self.write(model, to: folder, name, version)
        }
        func served(_ policy: VersionPolicy) -> [String] {
            Self.repository(folder, policy).served.map { "\($0.name) \($0.version)" }
        }
        #expect(served(.latest(1)) == ["iris 2", "other 4"])
        #expect(served(.latest(2)) == ["iris 2", "iris 1", "other 4"])
        #expect(served(.all) == ["iris 2", "iris 1", "other 4"])
        #expect(served(.specific([1, 4])) == ["iris 1", "other 4"])
        let repository = Self.repository(folder, .latest(1))
        #expect(try repository.model(named: "iris", version: nil).version == 2)
        #expect(throws: RequestError.self) { try repository.model(named: "iris", version: "1") }
        #expect(throws: RequestError.self) { try repository.model(named: "nothing", version: nil) }
    }

    /// A newer version that does not load leaves the one before it serving; once it loads it
    /// takes over, and when its folder goes the one before serves again.
    @Test func versionsComeBreakAndGo() throws {
        let folder = try TemporaryFolder()
        let model = try Self.model()
        try Self.write(model, to: folder, "iris", 1)
        let repository = Self.repository(folder, .latest(1))
        #expect(repository.served.map(\.version) == [1])
        let broken = folder.url.appendingPathComponent("iris/2")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try Data("not a model".utf8).write(to: broken.appendingPathComponent(ModelRepository.fileName))
        repository.reloadIfChanged()
        #expect(repository.served.map(\.version) == [1])
        try Self.write(model, to: folder, "iris", 2)
        repository.reloadIfChanged()
        #expect(repository.served.map(\.version) == [2])
        try FileManager.default.removeItem(at: broken)
        repository.reloadIfChanged()
        #expect(repository.served.map(\.version) == [1])
        // A served version whose file is replaced by one that does not load serves on.
        try Data("damaged".utf8).write(to: folder.url.appendingPathComponent("iris/1/\(ModelRepository.fileName)"))
        repository.reloadIfChanged()
        #expect(repository.served.map(\.version) == [1])
    }

    @Test func foldersThatAreNotModelsOrVersionsAreSkipped() throws {
        let folder = try TemporaryFolder()
        let model = try Self.model()
        try Self.write(model, to: folder, "iris", 3)
        for odd in ["iris/x1", "iris/0", "iris/-2", "bad name/1", ".hidden/1"] {
            try FileManager.default.createDirectory(at: folder.url.appendingPathComponent(odd), withIntermediateDirectories: true)
            try ModelFile.data(of: model).write(to: folder.url.appendingPathComponent("\(odd)/\(ModelRepository.fileName)"))
        }
        var skipped: [String] = []
        let found = ModelRepository.versionFolders(in: folder.url.path) { skipped.append($0) }
        #expect(found.keys.sorted() == ["iris"] && found["iris"]?.keys.sorted() == [3])
        #expect(skipped.map { URL(fileURLWithPath: $0).lastPathComponent } == ["bad name"])
    }

    static func model() throws -> Model<Float> {
        let network = try Network<Float>(sizes: [3, 4, 2], activation: .tanh, loss: .crossEntropy, seed: 1)
        return try Model(network: network, encoding: DataEncoding(
            labels: LabelEncoding(task: .classification, classNames: ["a", "b"]), scaler: .identity(count: 3),
            featureNames: ["x1", "x2", "x3"], labelName: "label"))
    }

    static func write(_ model: Model<Float>, to folder: TemporaryFolder, _ name: String, _ version: Int) throws {
        let versionFolder = folder.url.appendingPathComponent("\(name)/\(version)")
        try FileManager.default.createDirectory(at: versionFolder, withIntermediateDirectories: true)
        try ModelFile.data(of: model).write(to: versionFolder.appendingPathComponent(ModelRepository.fileName))
    }

    static func repository(_ folder: TemporaryFolder, _ policy: VersionPolicy) -> ModelRepository {
        ModelRepository(
            directory: folder.url.path, policy: policy, maxBytes: 1 << 20, metrics: ServerMetrics(maxBatch: 8),
            logger: Logger(label: "test"))
    }
}
#endif
