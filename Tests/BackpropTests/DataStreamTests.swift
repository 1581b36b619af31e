import Foundation
import Testing
import TestSupport
@testable import Backprop

/// `--shuffle-buffer`'s streamed training data: the survey agrees with reading the file
/// whole, every epoch takes each example once through the buffer, a run paused within an
/// epoch and resumed ends bitwise as the run that never paused, and bad or changed files are
/// named with their lines.
@Suite struct DataStreamTests {
    let folder: TemporaryFolder

    init() throws {
        folder = try TemporaryFolder("backprop-stream")
    }

    /// A table of `rows` examples: an id, two features and a class label; with quoted cells,
    /// a blank line and CRLF line ends, and small blocks so that records cross block ends.
    func table(_ rows: Int, name: String = "table.csv") throws -> String {
        var text = "id,\"x, quoted\",y,label\r\n"
        for i in 0..<rows {
            text += i == 9 ? "\r\n" : ""
            text += "\(i),\(Double(i % 7) * 0.5),\(Double((i * 5) % 11) - 3),\(i % 3 == 0 ? "\"a,b\"" : i % 3 == 1 ? "c" : "d")\r\n"
        }
        try Data(text.utf8).write(to: folder.appendingPathComponent(name))
        return folder.path(name)
    }

    @Test func theSurveyAgreesWithTheFileReadWhole() throws {
        let path = try table(50)
        let stream = try DataStream<Double>.survey(path, bufferSize: 8)
        let whole = try TrainingData<Double>.load(path)
        #expect(stream.count == 50)
        #expect(stream.encoding.labels == whole.encoding.labels)
        #expect(stream.encoding.featureNames == whole.encoding.featureNames && stream.encoding.labelName == "label")
        let (a, b) = (stream.encoding.scaler, whole.encoding.scaler)
        #expect(a.kind == .standardize)
        for j in a.shift.indices {
            #expect(abs(a.shift[j] - b.shift[j]) < 1e-12 && abs(a.scale[j] - b.scale[j]) < 1e-12)
        }
    }

    @Test func recordsLongerThanABlockAreReadWhole() throws {
        let path = try table(40)
        let blocks = try CSVBlocks(path, blockSize: 16)
        var rows: [[String]] = []
        while let row = try blocks.next(line: "") { rows.append(row) }
        #expect(rows.filter { $0 != [""] } == (try CSVTable(contentsOf: path).rows))
    }

    /// The ids a session's batches take in each epoch.
    func epochs(of session: inout TrainingSession<Double>) throws -> [[Int]] {
        var taken: [[Int]] = [[]], epoch = 1
        while let step = try session.step() {
            let x = session.data.inputs, rows = step.batch.examples - (taken[epoch - 1].count)
            let scaler = session.stream!.encoding.scaler
            taken[epoch - 1] += (0..<rows).map { Int((x[$0, 0] * scaler.scale[0] + scaler.shift[0]).rounded()) }
            if step.epoch != nil { epoch += 1; taken.append([]) }
        }
        return taken.filter { !$0.isEmpty }
    }

    @Test(arguments: [1, 7, 50, 1000])
    func everyEpochTakesEachExampleOnce(bufferSize: Int) throws {
        let stream = try DataStream<Double>.survey(table(50), bufferSize: bufferSize)
        let network = try Network<Double>(sizes: [3, 4, 3], activation: .tanh, loss: .crossEntropy, seed: 1)
        var session = try TrainingSession(
            trainer: Trainer(epochs: 3, batchSize: 8, optimizer: .sgd(learningRate: 0.1), seed: 4), network: network, stream: stream)
        let taken = try epochs(of: &session)
        #expect(taken.count == 3)
        #expect(taken.allSatisfy { $0.sorted() == Array(0..<50) })
        if bufferSize == 1 { #expect(taken[0] == Array(0..<50)) }  // a buffer of one reads in order
        if bufferSize >= 7 { #expect(taken[0] != Array(0..<50) && taken[0] != taken[1]) }
    }

    @Test func aStreamedRunPausedWithinAnEpochResumesExactly() throws {
        let stream = try DataStream<Float>.survey(table(50), bufferSize: 9)
        let network = try Network<Float>(sizes: [3, 5, 3], activation: .tanh, loss: .crossEntropy, seed: 1).withDropout(0.2)
        let trainer = Trainer(epochs: 3, batchSize: 8, optimizer: .adam(learningRate: 0.01), seed: 3)
        var whole = try TrainingSession(trainer: trainer, network: network, stream: stream)
        try whole.run()
        var paused = try TrainingSession(trainer: trainer, network: network, stream: stream)
        var batches = 0
        try paused.run { event in
            if case .batch = event { batches += 1 }
            return batches == 10 ? .pause : .proceed
        }
        #expect(paused.state.epoch == 2 && paused.state.batch == 3)
        let path = folder.path("paused.safetensors")
        try CheckpointFile.write(paused.checkpoint(model: stream.model(of: network)), to: path)
        let checkpoint: Checkpoint<Float> = try CheckpointFile.read(from: path)
        let again = try checkpoint.model.dataStream(reading: stream.path, bufferSize: 9)
        #expect(again.count == 50 && again.encoding == stream.encoding)
        var resumed = try checkpoint.resume(streaming: again)
        try resumed.run()
        #expect(resumed.network == whole.network)
        #expect(resumed.state.history.epochs.map(\.trainLoss) == whole.state.history.epochs.map(\.trainLoss))
    }

    @Test func imagesStreamAsTheyReadWhole() throws {
        let images: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 2] + (0..<14).map { UInt8($0 * 10) }
        let labels: [UInt8] = [0, 0, 8, 1, 0, 0, 0, 7] + (0..<7).map { UInt8($0 % 3) }
        try Data(images).write(to: folder.appendingPathComponent("t-images-idx3-ubyte"))
        try Data(labels).write(to: folder.appendingPathComponent("t-labels-idx1-ubyte"))
        let path = folder.path("t-images-idx3-ubyte")
        let stream = try DataStream<Float>.survey(path, bufferSize: 100)
        let whole = try TrainingData<Float>.load(path)
        #expect(stream.count == 7 && stream.encoding == whole.encoding)
        let buffer = ShuffleBuffer(stream)
        try buffer.restart(seed: 1)
        var window = try stream.window(rows: 7)
        try buffer.next(7, into: &window)
        let rows = { (d: Dataset<Float>) in (0..<7).map { [d.inputs[$0, 0], d.inputs[$0, 1]] } }
        guard case .classes(let taken) = window.targets, case .classes(let held) = whole.training.targets else {
            Issue.record("expected classes")
            return
        }
        let streamed = zip(rows(window), taken).map { "\($0)\($1)" }.sorted()
        #expect(streamed == zip(rows(whole.training), held).map { "\($0)\($1)" }.sorted())
    }

    @Test func aBadCellIsNamedByItsLine() throws {
        var lines = ["a,label"] + (0..<20).map { "\($0),\($0 % 2)" }
        lines[13] = "oops,1"
        try Data(lines.joined(separator: "\n").utf8).write(to: folder.appendingPathComponent("bad.csv"))
        let path = folder.path("bad.csv")
        #expect(throws: DataError.malformed(path: path, location: "line 14, column 1 ('a')", message: "'oops' is not a finite number")) {
            try DataStream<Float>.survey(path, bufferSize: 4)
        }
    }

    @Test func aLabelTheModelDoesNotKnowIsNamedByItsLine() throws {
        let stream = try DataStream<Float>.survey(table(12), bufferSize: 4)
        let model = try stream.model(of: Network<Float>(sizes: [3, 3], activation: .identity, loss: .crossEntropy, seed: 1))
        let other = try table(12, name: "other.csv")
        var text = try String(contentsOfFile: other, encoding: .utf8)
        text = text.replacingOccurrences(of: ",d\r\n", with: ",e\r\n")
        try Data(text.utf8).write(to: URL(fileURLWithPath: other))
        #expect(throws: DataError.self) { try model.dataStream(reading: other, bufferSize: 4) }
        do {
            _ = try model.dataStream(reading: other, bufferSize: 4)
        } catch let error as DataError {
            #expect("\(error)".contains("line 4") && "\(error)".contains("'e'"))
        }
    }

    @Test func aFileChangedWhileTrainingStopsTheRunWithAnError() throws {
        let path = try table(30)
        let stream = try DataStream<Float>.survey(path, bufferSize: 5)
        _ = try table(20)  // the file is cut short after the survey
        let network = try Network<Float>(sizes: [3, 4, 3], activation: .tanh, loss: .crossEntropy, seed: 1)
        var session = try TrainingSession(
            trainer: Trainer(epochs: 1, batchSize: 8, optimizer: .sgd(learningRate: 0.1)), network: network, stream: stream)
        #expect(throws: DataError.self) { try session.run() }
    }

    @Test func aValidationSplitOrAnEmptyBufferIsRefused() throws {
        let path = try table(10)
        #expect(throws: BackpropError.self) {
            try DataStream<Float>.survey(path, options: TrainingDataOptions(validationFraction: 0.2), bufferSize: 4)
        }
        #expect(throws: BackpropError.self) { try DataStream<Float>.survey(path, bufferSize: 0) }
    }
}
