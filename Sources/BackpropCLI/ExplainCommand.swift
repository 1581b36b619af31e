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
            print(try explanation.jsonString())
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
