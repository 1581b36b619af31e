import Backprop
import Foundation

// How the commands format numbers, tables, CSV cells, JSON and networks for output.

/// "2–3–2 network (sigmoid hidden, sigmoid output, quadratic loss)".
func describe<S: Scalar>(_ network: Network<S>) -> String {
    let sizes = network.sizes.map(String.init).joined(separator: "–")
    let hidden = network.layers.dropLast().map(\.activation.description)
    let hiddenText = Set(hidden).count == 1 ? "\(hidden[0]) hidden, " : hidden.isEmpty ? "" : "\(hidden.joined(separator: "/")) hidden, "
    return "\(sizes) network (\(hiddenText)\(network.layers[network.layers.count - 1].activation) output, \(network.loss) loss)"
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}

func scientific(_ x: Double) -> String {
    String(format: "%.2e", x)
}

func printJSON(_ object: [String: Any]) {
    if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
        print(String(decoding: data, as: UTF8.self))
    }
}

func fixed(_ x: Double, _ digits: Int) -> String {
    String(format: "%.\(digits)f", x)
}

func percent(_ fraction: Double) -> String {
    String(format: "%.2f%%", 100 * fraction)
}

func right(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

/// A CSV cell, quoted when it holds a comma, quote or line break.
func quoted(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// Says which kernels run the products when they are not float32 (on standard output unless
/// `json`), and once on standard error when this processor has no bfloat16 instructions.
func notePrecision(_ precision: Precision, json: Bool) {
    guard precision == .bfloat16 else { return }
    if !json { print("Matrix products in bf16 (inputs rounded to bfloat16, sums in float32) on the \(precision.kernels) kernels") }
    if !Precision.processorHasBFloat16Instructions {
        FileHandle.standardError.write(Data(
            "note: this CPU has no bfloat16 instructions (AVX512-BF16); bf16 products give the same results on the \(precision.kernels) kernels, no faster than fp32\n".utf8))
    }
}
