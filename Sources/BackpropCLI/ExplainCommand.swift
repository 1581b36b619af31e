import ArgumentParser
import Backprop
import Foundation

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Walk through forward propagation and backpropagation for one example.",
        discussion: """
            Prints a^1, then z^l and a^l layer by layer, the cost, then δ^L, each δ^l and the \
            gradients ∂C/∂W^l and ∂C/∂b^l, in the lecture's notation (z^(l+1) = W^l a^l + b^l), \
            so you can check each step by hand. --json prints every quantity at full precision.
            """
    )

    @OptionGroup var network: NetworkOptions

    @Option(help: "The input x, comma-separated (default: drawn from --seed).")
    var input: List<Double>?

    @Option(help: "The target y, comma-separated, or one class index (default: drawn from --seed).")
    var target: List<Double>?

    @Option(help: "Decimal places in the text output.")
    var digits: Int = 4

    @Flag(help: "Print one JSON object with every quantity at full precision.")
    var json = false

    func validate() throws {
        guard (0...17).contains(digits) else {
            throw ValidationError("--digits must be between 0 and 17, got \(digits)")
        }
    }

    func run() throws {
        let net = try network.makeNetwork(Double.self)
        let example = try Dataset.random(for: net, count: 1, seed: network.seed)
        let x = input?.values ?? example.inputs.row(0)
        let y = try targetVector(for: net, default: example)
        let explanation = try Explanation(network: net, input: x, target: y)
        if json {
            print(try ExplanationJSON(explanation).encoded())
        } else {
            print(ExplanationText(explanation, digits: digits).render(), terminator: "")
        }
    }

    /// The --target vector, a class index expanded to one-hot, or the seeded default.
    private func targetVector(for net: Network<Double>, default example: Dataset<Double>) throws -> [Double] {
        let n = net.outputSize
        if let values = target?.values {
            if values.count == 1, n > 1 {
                let index = values[0]
                guard index == index.rounded(), index >= 0, index < Double(n) else {
                    throw CLIError(
                        "--target: one value is read as a class index, expected an integer 0 ... \(n - 1), got \(index)")
                }
                return (0..<n).map { $0 == Int(index) ? 1 : 0 }
            }
            return values
        }
        switch example.targets {
        case .classes(let labels): return (0..<n).map { $0 == labels[0] ? 1 : 0 }
        case .values(let matrix): return matrix.row(0)
        }
    }
}

/// The explanation as JSON: matrices as lists of rows, per-layer quantities as lists by layer.
struct ExplanationJSON: Encodable {
    var sizes: [Int]
    var activations: [String]
    var lossName: String
    var weights: [[[Double]]]
    var biases: [[Double]]
    var input: [Double]
    var target: [Double]
    var a: [[Double]]
    var z: [[Double]]
    var delta: [[Double]]
    var weightGradients: [[[Double]]]
    var biasGradients: [[Double]]
    var loss: Double
    var notation: String

    init(_ e: Explanation<Double>) {
        sizes = e.network.sizes
        activations = e.network.layers.map(\.activation.description)
        lossName = e.network.loss.name
        weights = e.network.layers.map(\.weight.rowArrays)
        biases = e.network.layers.map(\.bias)
        input = e.input
        target = e.target
        a = e.a
        z = e.z
        delta = e.delta
        weightGradients = e.weightGradients.map(\.rowArrays)
        biasGradients = e.biasGradients
        loss = e.loss
        notation = "a lists a^1..a^L; z and delta list z^2..z^L and delta^2..delta^L; "
            + "weights, biases, weight_gradients and bias_gradients list W^1..W^(L-1), b^1..b^(L-1) "
            + "and their gradients; z^(l+1) = W^l a^l + b^l, a^(l+1) = g(z^(l+1))"
    }

    enum CodingKeys: String, CodingKey {
        case sizes, activations, lossName = "loss_name", weights, biases, input, target, a, z, delta
        case weightGradients = "weight_gradients", biasGradients = "bias_gradients", loss, notation
    }

    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
