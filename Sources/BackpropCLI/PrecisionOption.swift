import ArgumentParser
import Backprop

/// `--precision` for the commands that run forward passes only: evaluate, predict, serve.
struct PrecisionOption: ParsableArguments {
    @Option(help: "Matrix products of the forward pass: fp32, or bf16 (inputs rounded to bfloat16, sums in float32).")
    var precision: Precision = .float32
}
