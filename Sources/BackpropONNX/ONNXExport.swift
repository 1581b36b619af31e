import Backprop
import Foundation
import SwiftProtobuf

/// Exports a model as an ONNX graph (opset 13) that ONNX Runtime and other tools run.
///
/// Graph: input `input`, shape (batch, n_1), float32: a data file's values as they stand in
/// the file (for images, pixel bytes 0 … 255) → `Div` by the input divisor (255 for images)
/// → the model's feature scaling (`Sub` the shift, `Div` by the scale) → per layer `Gemm(x, W^l, b^l, transB = 1)`, the
/// lecture's z^(l+1) = W^l a^l + b^l for a batch of rows, then the activation (`Sigmoid`,
/// `Tanh`, `Relu`, `LeakyRelu`, `Softmax` along axis 1, or nothing for identity) →
/// output `output`, shape (batch, n_L): what `Model.predict` returns.
public enum ONNXExport {
    public static let opset: Int64 = 13

    /// The serialized ONNX `ModelProto`.
    public static func data<S: Scalar>(for model: Model<S>) throws -> Data {
        var graph = Onnx_GraphProto()
        graph.name = "backprop"
        graph.input = [valueInfo("input", columns: model.network.inputSize)]
        graph.output = [valueInfo("output", columns: model.network.outputSize)]
        var current = "input"
        func add(_ op: String, _ inputs: [String], _ output: String, _ attributes: [Onnx_AttributeProto] = []) {
            var node = Onnx_NodeProto()
            node.opType = op
            node.name = output
            node.input = inputs
            node.output = [output]
            node.attribute = attributes
            graph.node.append(node)
            current = output
        }
        let divisor = model.encoding.input.divisor
        if divisor != 1 {
            graph.initializer.append(tensor("preprocessing.divisor", [], [Float(divisor)]))
            add("Div", [current, "preprocessing.divisor"], "divided")
        }
        if model.encoding.scaler.kind != .none {
            let count = model.encoding.scaler.shift.count
            graph.initializer.append(tensor("preprocessing.shift", [Int64(count)], model.encoding.scaler.shift.map(Float.init)))
            graph.initializer.append(tensor("preprocessing.scale", [Int64(count)], model.encoding.scaler.scale.map(Float.init)))
            add("Sub", [current, "preprocessing.shift"], "shifted")
            add("Div", [current, "preprocessing.scale"], "scaled")
        }
        for (i, layer) in model.network.layers.enumerated() {
            let w = "layers.\(i).weight", b = "layers.\(i).bias"
            graph.initializer.append(tensor(w, [Int64(layer.outputSize), Int64(layer.inputSize)], layer.weight.elements.map(Float.init)))
            graph.initializer.append(tensor(b, [Int64(layer.outputSize)], layer.bias.map(Float.init)))
            let isLast = i == model.network.layers.count - 1
            let z = "z\(i + 2)"
            add("Gemm", [current, w, b], z, [integer("transB", 1)])
            let a = isLast ? "output" : "a\(i + 2)"
            switch layer.activation {
            case .identity: add("Identity", [current], a)
            case .sigmoid: add("Sigmoid", [current], a)
            case .tanh: add("Tanh", [current], a)
            case .relu: add("Relu", [current], a)
            case .leakyReLU(let slope): add("LeakyRelu", [current], a, [float("alpha", Float(slope))])
            case .softmax: add("Softmax", [current], a, [integer("axis", 1)])
            }
        }
        var proto = Onnx_ModelProto()
        proto.irVersion = 8
        proto.producerName = "backprop"
        proto.producerVersion = "\(ModelFile.formatVersion)"
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = Self.opset
        proto.opsetImport = [opset]
        proto.graph = graph
        return try proto.serializedData()
    }

    /// Writes the ONNX model to `path` atomically.
    public static func write<S: Scalar>(_ model: Model<S>, to path: String) throws {
        try writeAtomically(Array(data(for: model)), to: path)
    }

    private static func valueInfo(_ name: String, columns: Int) -> Onnx_ValueInfoProto {
        var batch = Onnx_TensorShapeProto.Dimension()
        batch.dimParam = "batch"
        var width = Onnx_TensorShapeProto.Dimension()
        width.dimValue = Int64(columns)
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensorType.shape.dim = [batch, width]
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type.tensorType = tensorType
        return info
    }

    private static func tensor(_ name: String, _ dims: [Int64], _ values: [Float]) -> Onnx_TensorProto {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dims = dims
        tensor.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.rawData = Data(values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) })
        return tensor
    }

    private static func integer(_ name: String, _ value: Int64) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .int
        attribute.i = value
        return attribute
    }

    private static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .float
        attribute.f = value
        return attribute
    }
}
