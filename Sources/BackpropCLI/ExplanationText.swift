import Backprop
import Foundation

/// The explanation as text a student can follow with pencil and paper.
struct ExplanationText {
    let e: Explanation<Double>
    let digits: Int

    init(_ explanation: Explanation<Double>, digits: Int) {
        e = explanation
        self.digits = digits
    }

    func render() -> String {
        let net = e.network
        let count = net.sizes.count  // L
        var out = "Backpropagation, step by step: \(describe(net))\n"
        out += "Notation: layers 1 … \(count); z^(l+1) = W^l a^l + b^l, a^(l+1) = g(z^(l+1)); δ^l = ∂C/∂z^l.\n"

        out += "\nParameters\n"
        for (k, layer) in net.layers.enumerated() {
            out += matrix("W^\(k + 1)", layer.weight.rowArrays, shape: (layer.outputSize, layer.inputSize))
            out += "b^\(k + 1) = \(vector(layer.bias))\n"
        }

        out += "\nForward propagation\n"
        out += "a^1 = x = \(vector(e.a[0]))\n"
        for l in 1..<count {
            let g = net.layers[l - 1].activation
            out += "z^\(l + 1) = W^\(l) a^\(l) + b^\(l) = \(vector(e.z[l - 1]))\n"
            out += "a^\(l + 1) = \(symbol(g))(z^\(l + 1)) = \(vector(e.a[l]))\n"
        }
        out += "y = \(vector(e.target))\n"
        out += "C = \(lossFormula(count)) = \(number(e.loss))\n"

        out += "\nBackpropagation\n"
        out += "δ^\(count) = \(outputDeltaFormula(count)) = \(vector(e.delta[count - 2]))\n"
        for l in stride(from: count - 1, through: 1, by: -1) {
            let layer = net.layers[l - 1]
            if l < count - 1 {
                let g = net.layers[l - 1].activation
                out += "δ^\(l + 1) = ((W^\(l + 1))ᵀ δ^\(l + 2)) ⊙ \(symbol(g))′(z^\(l + 1)) = \(vector(e.delta[l - 1]))\n"
            }
            out += matrix(
                "∂C/∂W^\(l) = δ^\(l + 1) (a^\(l))ᵀ", e.weightGradients[l - 1].rowArrays,
                shape: (layer.outputSize, layer.inputSize))
            out += "∂C/∂b^\(l) = δ^\(l + 1) = \(vector(e.biasGradients[l - 1]))\n"
        }
        return out
    }

    private func lossFormula(_ count: Int) -> String {
        switch e.network.loss {
        case .quadratic: "½‖y − a^\(count)‖²"
        case .binaryCrossEntropy: "−Σ[y log a^\(count) + (1 − y) log(1 − a^\(count))]"
        case .crossEntropy: "−Σ y log a^\(count)"
        }
    }

    private func outputDeltaFormula(_ count: Int) -> String {
        let g = e.network.layers[e.network.layers.count - 1].activation
        switch e.network.loss {
        case .quadratic: return "(a^\(count) − y) ⊙ \(symbol(g))′(z^\(count))"
        case .binaryCrossEntropy: return "a^\(count) − y   (sigmoid with binary cross-entropy)"
        case .crossEntropy: return "a^\(count) Σy − y   (softmax with cross-entropy; a^\(count) − y for one-hot y)"
        }
    }

    private func symbol(_ g: Activation) -> String {
        switch g {
        case .identity: "id"
        case .sigmoid: "σ"
        case .tanh: "tanh"
        case .relu: "ReLU"
        case .leakyReLU: "LeakyReLU"
        case .softmax: "softmax"
        }
    }

    private func number(_ x: Double) -> String {
        let text = String(format: "%.\(digits)f", x)
        // Show tiny non-zero values in scientific notation rather than as 0.0000.
        if x != 0, Double(text) == 0 { return String(format: "%.\(max(1, digits - 1))e", x) }
        return text
    }

    private func vector(_ values: [Double]) -> String {
        "[" + values.map(number).joined(separator: ", ") + "]"
    }

    private func matrix(_ name: String, _ rows: [[Double]], shape: (Int, Int)) -> String {
        let cells = rows.map { $0.map(number) }
        let width = cells.flatMap { $0 }.map(\.count).max() ?? 0
        var out = "\(name)   (\(shape.0)×\(shape.1)) =\n"
        for row in cells {
            out += "  [" + row.map { String(repeating: " ", count: width - $0.count) + $0 }.joined(separator: "  ") + "]\n"
        }
        return out
    }
}
