import Foundation
import Testing
import TestSupport
@testable import Backprop

@Suite struct ModelFileTests {
    let folder: TemporaryFolder

    init() throws {
        folder = try TemporaryFolder("backprop-model")
    }

    func path(_ name: String) -> String { folder.path(name) }

    static func model<S: Scalar>(_ activation: Activation, _ loss: Loss, as _: S.Type) throws -> Model<S> {
        let outputs = loss == .binaryCrossEntropy ? 1 : 3
        let network = try Network<S>(sizes: [4, 6, 5, outputs], activation: activation, loss: loss, seed: 7).withDropout(0.25)
        let classes = loss == .quadratic ? [] : (outputs == 1 ? ["no", "yes"] : ["a", "b", "c"])
        let scaler = try FeatureScaler(kind: .standardize, shift: [1, 2, 3, 4], scale: [0.5, 1, 2, 4])
        let history = TrainingHistory(
            epochs: [EpochRecord(epoch: 1, learningRate: 0.1, train: Evaluation(loss: 0.5, accuracy: 0.75, count: 8), seconds: 1)],
            bestEpoch: 1, stoppedEarly: false)
        var model = try Model(
            network: network, labels: LabelEncoding(task: loss == .quadratic ? .regression : .classification, classNames: classes),
            scaler: scaler, featureNames: ["w", "x", "y", "z"], labelName: "label", input: .table)
        model.training = TrainingRecord(settings: ["optimizer": "adam"], trainer: Trainer(epochs: 3, optimizer: .adamW()), history: history)
        return model
    }

    static let cases: [GradientCase] = Activation.elementwise.flatMap { g in Loss.allCases.map { GradientCase(activation: g, loss: $0) } }

    @Test(arguments: cases)
    func roundTripIsBitForBit(_ c: GradientCase) throws {
        let inputs = try Matrix<Float>(rows: 3, columns: 4, elements: (0..<12).map { Float($0) * 0.37 - 2 })
        let float = try Self.model(c.activation, c.loss, as: Float.self)
        try ModelFile.write(float, to: path("f.safetensors"))
        let readFloat: Model<Float> = try ModelFile.read(from: path("f.safetensors"))
        #expect(readFloat == float)
        #expect(try readFloat.predict(inputs) == float.predict(inputs))

        let double = try Self.model(c.activation, c.loss, as: Double.self)
        try ModelFile.write(double, to: path("d.safetensors"))
        let readDouble: Model<Double> = try ModelFile.read(from: path("d.safetensors"))
        #expect(readDouble == double)
        #expect(try readDouble.predict(inputs.converted()) == double.predict(inputs.converted()))
    }

    /// BF16 tensors: every parameter rounded to bfloat16 (read back exactly as written), the
    /// tensor data half of F32's, everything else of the model unchanged.
    @Test func bfloat16TensorsHoldTheRoundedParameters() throws {
        let model = try Self.model(.tanh, .crossEntropy, as: Float.self)
        try ModelFile.write(model, to: path("f32.safetensors"))
        try ModelFile.write(model, to: path("bf16.safetensors"), bfloat16: true)
        let read: Model<Float> = try ModelFile.read(from: path("bf16.safetensors"))
        for (l, layer) in model.network.layers.enumerated() {
            let got = read.network.layers[l]
            #expect(got.weight.elements == BFloat16.round(layer.weight.elements).map(BFloat16.widen), "layer \(l + 1) W")
            #expect(got.bias == BFloat16.round(layer.bias).map(BFloat16.widen), "layer \(l + 1) b")
            #expect(got.weight.elements != layer.weight.elements)
        }
        #expect(read.encoding == model.encoding)
        let parameters = model.network.layers.reduce(0) { $0 + $1.weight.elements.count + $1.bias.count }
        let sizes = try [path("f32.safetensors"), path("bf16.safetensors")].map {
            try #require(try FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int)
        }
        #expect(sizes[0] - sizes[1] >= 2 * parameters - 64, "F32 \(sizes[0]) bytes, BF16 \(sizes[1])")
    }

    @Test func leakySlopeSurvives() throws {
        let network = try Network<Float>(sizes: [2, 3, 2], activation: .leakyReLU(slope: 0.2), loss: .crossEntropy, seed: 1)
        let model = try Model(network: network, labels: LabelEncoding(task: .classification, classNames: ["a", "b"]), scaler: .identity(count: 2))
        try ModelFile.write(model, to: path("leaky.safetensors"))
        let read: Model<Float> = try ModelFile.read(from: path("leaky.safetensors"))
        #expect(read.network.layers[0].activation == .leakyReLU(slope: 0.2))
    }

    @Test func overwritingReplacesTheFileWhole() throws {
        let first = try Self.model(.relu, .crossEntropy, as: Float.self)
        let second = try Self.model(.tanh, .quadratic, as: Float.self)
        try ModelFile.write(first, to: path("m.safetensors"))
        try ModelFile.write(second, to: path("m.safetensors"))
        let read: Model<Float> = try ModelFile.read(from: path("m.safetensors"))
        #expect(read == second)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test func unwritableFolderFailsCleanly() throws {
        let model = try Self.model(.relu, .crossEntropy, as: Float.self)
        #expect(throws: DataError.self) { try ModelFile.write(model, to: path("no/such/folder/m.safetensors")) }
    }

    // MARK: Damaged files

    func damagedBytes() throws -> [UInt8] {
        try ModelFile.write(Self.model(.relu, .crossEntropy, as: Float.self), to: path("good.safetensors"))
        return Array(try Data(contentsOf: URL(fileURLWithPath: path("good.safetensors"))))
    }

    func expectError(_ bytes: [UInt8], _ name: String, containing text: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let file = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        #expect(sourceLocation: sourceLocation) {
            let _: Model<Float> = try ModelFile.read(from: file)
        } throws: { error in
            let message = "\(error)"
            return message.hasPrefix(file) && (text.map { message.contains($0) } ?? true)
        }
    }

    @Test func truncatedAnywhere() throws {
        let bytes = try damagedBytes()
        for cut in Set([0, 1, 7, 8, 9, 20, 100, bytes.count / 2, bytes.count - 5, bytes.count - 1]) where cut < bytes.count {
            try expectError(Array(bytes[..<cut]), "cut-\(cut)")
        }
    }

    @Test func absurdHeaderLengths() throws {
        var bytes = try damagedBytes()
        for length: UInt64 in [0, 1, UInt64(bytes.count), 1 << 40, UInt64.max] {
            withUnsafeBytes(of: length.littleEndian) { for i in 0..<8 { bytes[i] = $0[i] } }
            try expectError(bytes, "length-\(length)", containing: "header length")
        }
    }

    /// Rewrites the JSON header with `edit` and fixes up the length.
    func editedHeader(_ edit: (inout [String: Any]) -> Void) throws -> [UInt8] {
        let bytes = try damagedBytes()
        let length = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        var header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
        edit(&header)
        let json = Array(try JSONSerialization.data(withJSONObject: header))
        return withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init) + json + bytes[(8 + length)...]
    }

    func tensor(_ header: [String: Any], _ name: String) -> [String: Any] {
        header[name] as? [String: Any] ?? [:]
    }

    @Test func wrongDtypeShapeAndOffsets() throws {
        try expectError(try editedHeader { h in
            var t = tensor(h, "layers.0.weight"); t["dtype"] = "F16"; h["layers.0.weight"] = t
        }, "dtype", containing: "'F16' is not supported")
        try expectError(try editedHeader { h in
            var t = tensor(h, "layers.0.weight"); t["shape"] = [1 << 40, 1 << 40]; h["layers.0.weight"] = t
        }, "shape-huge", containing: "layers.0.weight.shape")
        try expectError(try editedHeader { h in
            var t = tensor(h, "layers.0.weight"); t["shape"] = [6, 3]; h["layers.0.weight"] = t
        }, "shape-wrong", containing: "layers.0.weight")
        try expectError(try editedHeader { h in
            var t = tensor(h, "layers.0.bias"); t["data_offsets"] = [0, 24]; h["layers.0.bias"] = t
        }, "overlap", containing: "data_offsets")
        try expectError(try editedHeader { h in
            var t = tensor(h, "layers.0.weight"); t["shape"] = [-1, 4]; h["layers.0.weight"] = t
        }, "negative", containing: "non-negative")
    }

    @Test func missingExtraAndInconsistentTensors() throws {
        try expectError(try editedHeader { h in h["layers.1.bias"] = nil }, "missing", containing: "gap")
        try expectError(try editedHeader { h in h["layers.2.bias"] = nil }, "missing-last", containing: "bytes after the last tensor")
        try expectError(try editedHeader { h in
            h["extra"] = ["dtype": "F32", "shape": [0], "data_offsets": [0, 0]]
        }, "extra", containing: "unexpected tensor")
        try expectError(try editedHeader { h in
            var m = h["__metadata__"] as? [String: String] ?? [:]
            m["model"] = m["model"]?.replacingOccurrences(of: "\"output_size\":6", with: "\"output_size\":7")
            h["__metadata__"] = m
        }, "inconsistent", containing: "layers.0.weight")
        try expectError(try editedHeader { h in
            var m = h["__metadata__"] as? [String: String] ?? [:]
            m["model"] = "{not json"
            h["__metadata__"] = m
        }, "badjson", containing: "__metadata__.model")
        try expectError(try editedHeader { h in h["__metadata__"] = ["format": "other"] }, "format", containing: "__metadata__.format")
        try expectError(try editedHeader { h in
            var m = h["__metadata__"] as? [String: String] ?? [:]
            m["model"] = m["model"]?.replacingOccurrences(of: "\"relu\"", with: "\"swish\"")
            h["__metadata__"] = m
        }, "activation", containing: "unknown activation 'swish'")
    }

    @Test func nonFiniteValuesAreRejected() throws {
        var bytes = try damagedBytes()
        // The data section ends with the last bias (3 floats): make the last one NaN.
        let nan = Float.nan.bitPattern.littleEndian
        withUnsafeBytes(of: nan) { for i in 0..<4 { bytes[bytes.count - 4 + i] = $0[i] } }
        try expectError(bytes, "nan", containing: "not a finite number")
    }

    @Test func flippedHeaderBytesNeverCrash() throws {
        let bytes = try damagedBytes()
        let length = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        var random = RandomSource(seed: 1)
        for trial in 0..<200 {
            var copy = bytes
            let i = random.integer(below: 8 + length)
            copy[i] ^= UInt8(1 << random.integer(below: 8))
            let file = path("flip-\(trial)")
            try Data(copy).write(to: URL(fileURLWithPath: file))
            // Either a clear error naming the file, or (a flip that keeps the file valid,
            // e.g. in a JSON number) a model that loads.
            do {
                let _: Model<Float> = try ModelFile.read(from: file)
            } catch {
                #expect("\(error)".hasPrefix(file), "trial \(trial), byte \(i): \(error)")
            }
        }
    }

    /// A model written to bytes reads back equal, and bad bytes name the given name.
    @Test func modelsRoundTripThroughData() throws {
        let model = try Self.model(.tanh, .crossEntropy, as: Float.self)
        let data = try ModelFile.data(of: model)
        try ModelFile.write(model, to: path("m.safetensors"))
        #expect(data == (try Data(contentsOf: folder.appendingPathComponent("m.safetensors"))))
        #expect(try ModelFile.read(from: data, named: "upload") == model)
        #expect(throws: DataError.self) { try ModelFile.read(from: Data(data.prefix(40)), named: "upload", as: Float.self) }
        do {
            _ = try ModelFile.read(from: Data("not a model".utf8), named: "the uploaded model", as: Float.self)
        } catch {
            #expect("\(error)".hasPrefix("the uploaded model: "), "\(error)")
        }
    }
}
