import Foundation
import Testing
import TestSupport
@testable import Backprop

/// `--shard-data`'s reading and sampling: the parts of a file, read alone, are the whole
/// file; each rank's batches are its part's, and a process holding every part draws them
/// all, each example once per epoch.
@Suite struct DataShardTests {
    let folder: TemporaryFolder

    init() throws {
        folder = try TemporaryFolder("backprop-shards")
    }

    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        try Data(bytes).write(to: folder.appendingPathComponent(name))
        return folder.path(name)
    }

    /// A table with quoted commas, CRLF line ends, a blank line and rows of unlike lengths.
    var table: String {
        var text = "x,\"y, quoted\",label\r\n"
        for i in 0..<23 {
            text += i == 9 ? "\r\n" : ""
            text += "\(i),\(String(repeating: "7", count: 1 + i % 5)),\(i % 2 == 0 ? "\"a,b\"" : "c")\r\n"
        }
        return text
    }

    @Test func csvPartsTogetherAreTheWholeTable() throws {
        let path = try write(Array(table.utf8), "table.csv")
        let whole = try CSVTable(contentsOf: path)
        for count in 1...6 {
            let parts = try (0..<count).map { try CSVTable(contentsOf: path, shard: DataShard($0, of: count)) }
            #expect(parts.allSatisfy { $0.header == whole.header })
            #expect(parts.flatMap(\.rows) == whole.rows, "\(count) parts")
            if count > 1 { #expect(parts.allSatisfy { $0.rows.count < whole.rows.count }) }
        }
    }

    @Test func aBadCellInALaterPartIsNamedByItsLineInTheFile() throws {
        var lines = ["a,label"] + (0..<40).map { "\($0),\($0 % 2)" }
        lines[35] = "oops,1"  // line 36 of the file
        let path = try write(Array(lines.joined(separator: "\n").utf8), "bad.csv")
        let last = try CSVTable(contentsOf: path, shard: DataShard(3, of: 4))
        #expect(throws: DataError.malformed(path: path, location: "line 36, column 1 ('a')", message: "'oops' is not a finite number")) {
            try last.numbers(columns: [0], as: Float.self)
        }
    }

    @Test func aPartWithNoLinesSaysSo() throws {
        let path = try write(Array("a,label\n1,0\n2,1\n".utf8), "short.csv")
        #expect(throws: DataError.self) { try CSVTable(contentsOf: path, shard: DataShard(2, of: 3)) }
    }

    /// Seven 1×2 images with labels, as IDX bytes.
    var images: [UInt8] { [0, 0, 8, 3, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 2] + (0..<14).map { UInt8($0 * 10) } }
    var labels: [UInt8] { [0, 0, 8, 1, 0, 0, 0, 7] + (0..<7).map { UInt8($0 % 3) } }

    @Test func idxPartsTogetherAreTheWholeFilePlainAndGzipped() throws {
        let plain = try write(images, "plain-images-idx3-ubyte")
        _ = try write(labels, "plain-labels-idx1-ubyte")
        let gzipped = try write(images, "zipped-images-idx3-ubyte")
        _ = try write(labels, "zipped-labels-idx1-ubyte")
        for name in ["zipped-images-idx3-ubyte", "zipped-labels-idx1-ubyte"] {
            let gzip = try Process.run(URL(fileURLWithPath: "/bin/gzip"), arguments: ["-f", folder.path(name)])
            gzip.waitUntilExit()
        }
        for path in [plain, gzipped + ".gz"] {
            let whole = try RawExamples<Float>.read(path)
            for count in [2, 3, 7, 9] {
                let parts = try (0..<count).map { index -> RawExamples<Float> in
                    var options = DataFileOptions()
                    options.shard = try DataShard(index, of: count)
                    return try RawExamples<Float>.read(path, options: options)
                }
                #expect(parts.flatMap(\.features.elements) == whole.features.elements, "\(path), \(count) parts")
                #expect(parts.flatMap { $0.labels ?? [] } == whole.labels, "\(path), \(count) parts")
                let expected = try (0..<count).map { try DataShard($0, of: count).range(of: 7).count }
                #expect(parts.map(\.count) == expected)
            }
        }
    }

    @Test func aTruncatedIDXFileFailsInThePartThatReachesItsEnd() throws {
        let path = try write(Array(images.dropLast(3)), "cut-images-idx3-ubyte")
        #expect(try IDXFile(contentsOf: path, shard: DataShard(0, of: 2)).dimensions == [3, 1, 2])
        #expect(throws: DataError.self) { try IDXFile(contentsOf: path, shard: DataShard(1, of: 2)) }
    }

    @Test func aProcessHoldingEveryPartSeesEachExampleOncePerEpochInPartShares() throws {
        let network = try Network<Double>(sizes: [3, 4, 2], activation: .tanh, loss: .crossEntropy, seed: 1)
        let data = try Dataset.random(for: network, count: 23, seed: 2)
        let batches = try MiniBatches(data, size: 5, for: network)
        let shards = try DataShards(counts: [8, 7, 8], held: nil)
        try batches.use(shards, rank: 0, of: 1)
        #expect(batches.count == 8 && batches.total == 23)  // shares 1, 2, 2: part 0 needs 8 batches
        var random = RandomSource(seed: 3)
        try batches.shuffle(for: 1, with: &random)
        let firstEpoch = batches.order
        #expect(firstEpoch.sorted() == Array(0..<23))
        // Batch 0 takes 1 example of part 0 (0 ..< 8), 2 of part 1 (8 ..< 15), 2 of part 2.
        let first = batches.batch(0, rank: 0, of: 1)
        #expect(first.first == 0 && first.rows == 5 && first.m == 5)
        #expect(firstEpoch[0] < 8 && (8..<15).contains(firstEpoch[1]) && firstEpoch[3] >= 15)
        try batches.shuffle(for: 2, with: &random)
        #expect(batches.order != firstEpoch && batches.order.sorted() == Array(0..<23))
    }

    /// A run drawing the batches of parts, paused past the batches one process would have
    /// per epoch (part 0's share of 1 needs 8 batches, one process 5) and resumed from its
    /// checkpoint, ends as the run never paused.
    @Test func aShardedRunResumedLateInAnEpochEqualsTheUninterruptedRun() throws {
        let network = try Network<Float>(sizes: [3, 4, 3], activation: .tanh, loss: .crossEntropy, seed: 1)
        let data = try Dataset.random(for: network, count: 23, seed: 2)
        let trainer = Trainer(epochs: 2, batchSize: 5, optimizer: .adam(learningRate: 0.01), seed: 3)
        let shards = try DataShards(counts: [8, 7, 8], held: nil)
        let model = try Model(network: network, labels: LabelEncoding(task: .classification, classNames: ["a", "b", "c"]),
                              scaler: .identity(count: 3))
        var whole = try TrainingSession(trainer: trainer, network: network, data: data)
        whole.shards = shards
        try whole.run()
        var paused = try TrainingSession(trainer: trainer, network: network, data: data)
        paused.shards = shards
        var batches = 0
        try paused.run { event in
            if case .batch = event { batches += 1 }
            return batches == 7 ? .pause : .proceed
        }
        #expect(paused.state.epoch == 1 && paused.state.batch == 7)
        var resumed = try paused.checkpoint(model: model).resume(on: data)
        resumed.shards = shards
        try resumed.run()
        #expect(resumed.network == whole.network)
        #expect(resumed.state.history.epochs.map(\.trainLoss) == whole.state.history.epochs.map(\.trainLoss))
    }
}
