import ArgumentParser
import Backprop
import Foundation

struct GradcheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradcheck",
        abstract: "Compare backpropagation's gradients with finite differences, in double precision.",
        discussion: """
            Builds the network described by the flags, draws a random mini-batch from --seed, and \
            compares every ∂C/∂W and ∂C/∂b from backpropagation with a five-point central \
            difference of the cost. Prints the largest relative error per layer and exits with \
            status 1 if any exceeds --tolerance.
            """
    )

    @OptionGroup var network: NetworkOptions

    @Option(help: "Examples in the mini-batch.")
    var batchSize: Int = 5

    @Option(help: "Largest relative error accepted.")
    var tolerance: Double = 1e-6

    func validate() throws {
        guard batchSize >= 1 else {
            throw ValidationError("--batch-size must be at least 1, got \(batchSize)")
        }
        guard tolerance.isFinite, tolerance >= 0 else {
            throw ValidationError("--tolerance must be a finite number ≥ 0, got \(tolerance)")
        }
    }

    func run() throws {
        let net = try network.makeNetwork(Double.self)
        let batch = try Dataset.random(for: net, count: batchSize, seed: network.seed)
        let check = GradientCheck()
        let results = try check.run(net, on: batch)

        print("Gradient check of a \(describe(net)), batch of \(batchSize), seed \(network.seed)")
        print("Double precision; five-point central differences with h = \(check.step)")
        print("relative error = |backprop − numeric| / max(|backprop|, |numeric|, \(check.floor))")
        print("")
        print(pad("layer", 8) + pad("shape", 12) + pad("∂C/∂W", 12) + "∂C/∂b")
        for result in results {
            let layer = net.layers[result.layer - 1]
            print(
                pad("\(result.layer)", 8) + pad("\(layer.outputSize)×\(layer.inputSize)", 12)
                    + pad(scientific(result.weightError), 12) + scientific(result.biasError))
        }
        let worst = results.map(\.maximumError).max() ?? 0
        print("")
        if worst <= tolerance {
            print("PASSED: largest relative error \(scientific(worst)) ≤ tolerance \(scientific(tolerance))")
        } else {
            print("FAILED: largest relative error \(scientific(worst)) > tolerance \(scientific(tolerance))")
            throw ExitCode.failure
        }
    }
}
