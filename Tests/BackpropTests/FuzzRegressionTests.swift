import Foundation
import Testing
@testable import Backprop

/// The fuzzers' seed inputs must read cleanly; inputs that once crashed a reader (kept under
/// Tests/Fuzz/Regressions/READER/) must now end in a value or a clear error.
@Suite struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    static func files(_ kind: String, _ reader: String) -> [String] {
        let folder = root.appendingPathComponent(kind).appendingPathComponent(reader)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { folder.appendingPathComponent($0).path }
    }

    static func read(_ reader: String, _ path: String) throws {
        switch reader {
        case "csv":
            let table = try CSVTable(contentsOf: path)
            _ = try table.numbers(columns: Array(table.header.indices.dropLast()), as: Float.self)
        case "idx":
            let file = try IDXFile(contentsOf: path)
            if file.dimensions.count == 1 { _ = try file.labels(path: path) } else { let _: Matrix<Float> = try file.images(path: path) }
        default:
            let model: Model<Float> = try ModelFile.read(from: path)
            _ = try model.predict(Matrix(rows: 2, columns: model.network.inputSize, repeating: 0.5))
        }
    }

    @Test(arguments: ["csv", "idx", "model"])
    func seedsReadCleanly(_ reader: String) throws {
        let seeds = Self.files("Seeds", reader)
        #expect(seeds.count >= 2)
        for path in seeds { try Self.read(reader, path) }
    }

    /// The empty input is the one the fuzzers stopped on (a 4 KiB leak inside Foundation's
    /// file reader under LeakSanitizer, not a crash); it must give a clear error.
    @Test(arguments: ["csv", "idx", "model"])
    func regressionsEndInAValueOrAClearError(_ reader: String) {
        let regressions = Self.files("Regressions", reader)
        #expect(!regressions.isEmpty)
        for path in regressions {
            do {
                try Self.read(reader, path)
            } catch {
                #expect(error is DataError || error is BackpropError, "\(path): \(error)")
            }
        }
    }
}
