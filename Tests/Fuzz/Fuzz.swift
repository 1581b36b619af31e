// Fuzz targets for Backprop's readers of files it did not write: CSV tables, IDX files and
// model files. Every input must end in a value or a thrown error, never a crash, a hang or
// runaway memory.
//
// Built by `make fuzz` with libFuzzer (-sanitize=fuzzer,address -D FUZZING); FUZZ_TARGET
// (csv, idx or model) picks the reader. Built normally, it replays files:
//     backprop-fuzz TARGET FILE...
import Backprop
import Foundation

/// Feeds `bytes` to the reader `target`, through a file (the readers take paths).
func exercise(_ bytes: UnsafeRawBufferPointer, target: String, scratch: String) {
    _ = FileManager.default.createFile(atPath: scratch, contents: Data(bytes))
    switch target {
    case "csv":
        if let table = try? CSVTable(contentsOf: scratch) {
            _ = try? table.numbers(columns: Array(table.header.indices), as: Float.self)
            if let labels = table.rows.first.map({ _ in table.rows.map { $0[$0.count - 1] } }),
               let encoding = try? LabelEncoding.infer(from: labels, task: nil, path: scratch, column: "label") {
                let _: Targets<Float>? = try? encoding.targets(labels, path: scratch, column: "label")
            }
        }
    case "idx":
        if let file = try? IDXFile(contentsOf: scratch) {
            let _: Matrix<Float>? = try? file.images(path: scratch)
            _ = try? file.labels(path: scratch)
        }
    case "model":
        if let model: Model<Float> = try? ModelFile.read(from: scratch) {
            let input = Matrix<Float>(rows: 1, columns: model.network.inputSize, repeating: 0.5)
            _ = try? model.predict(input)
        }
        let _: Checkpoint<Float>? = try? CheckpointFile.read(from: scratch)
    default:
        FileHandle.standardError.write(Data("unknown target '\(target)': expected csv, idx or model\n".utf8))
        exit(2)
    }
}

let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-fuzz-\(getpid())").path

#if FUZZING
let fuzzTarget = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? "csv"

/// What libFuzzer calls for every input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    exercise(UnsafeRawBufferPointer(start: data, count: size), target: fuzzTarget, scratch: scratch)
    return 0
}

/// libFuzzer's entry point for programs that have their own `main` (SwiftPM gives every
/// executable one).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

@main
struct Fuzz {
    static func main() {
        var argc = CommandLine.argc
        var argv = Optional(CommandLine.unsafeArgv)
        let status = runFuzzerDriver(&argc, &argv) { data, size in fuzzOne(data, size) }
        exit(status)
    }
}
#else
/// Replays files through a reader, e.g. the regression inputs a fuzzer found.
@main
struct Replay {
    static func main() {
        let arguments = CommandLine.arguments
        guard arguments.count >= 3 else {
            FileHandle.standardError.write(Data("usage: backprop-fuzz csv|idx|model FILE...\n".utf8))
            exit(2)
        }
        for path in arguments.dropFirst(2) {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("\(path): cannot read\n".utf8))
                exit(1)
            }
            data.withUnsafeBytes { exercise($0, target: arguments[1], scratch: scratch) }
        }
        try? FileManager.default.removeItem(atPath: scratch)
        print("\(arguments.count - 2) inputs, no crash")
    }
}
#endif
