import Foundation
import Testing
import TestSupport

/// Model files whose metadata a hostile user edited: every command that reads them ends
/// with exit status 1 and one line naming the file — never a crash.
@Suite struct HostileModelTests {
    /// A checkpoint of a two-class model (`no`, `yes`), trained on a small CSV file.
    static func checkpoint(in folder: URL, flags: [String] = []) throws -> (data: String, checkpoint: String) {
        let data = folder.appendingPathComponent("two.csv").path
        var rows = "a,b,label\n"
        for i in 0..<40 { rows += "\(Double(i % 7) / 3),\(Double(i % 5) / 2),\(i % 2 == 0 ? "no" : "yes")\n" }
        try rows.write(toFile: data, atomically: true, encoding: .utf8)
        let train = try backprop([
            "train", data, "--hidden", "4", "--epochs", "2", "--batch-size", "8", "--checkpoint-every", "1",
            "--checkpoint-dir", folder.path] + flags)
        #expect(train.status == 0, "\(train.error)")
        return (data, folder.appendingPathComponent("checkpoint-epoch-1.safetensors").path)
    }

    /// `path` with its safetensors JSON header changed by `edit` (the header length follows).
    static func editHeader(of path: String, to target: String, _ edit: (String) -> String) throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let length = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
        let edited = Array(edit(header).utf8)
        #expect(edited != Array(header.utf8), "the edit changed nothing")
        let lengthBytes = withUnsafeBytes(of: UInt64(edited.count).littleEndian, Array.init)
        try Data(lengthBytes + edited + bytes[(8 + length)...]).write(to: URL(fileURLWithPath: target))
    }

    static let edits: [(String, @Sendable (String) -> String)] = [
        ("a class name twice", { $0.replacingOccurrences(of: #"[\"no\",\"yes\"]"#, with: #"[\"yes\",\"yes\"]"#) }),
        ("one class", { $0.replacingOccurrences(of: #"[\"no\",\"yes\"]"#, with: #"[\"yes\"]"#) }),
        ("no classes", { $0.replacingOccurrences(of: #"[\"no\",\"yes\"]"#, with: "[]") }),
    ]

    /// With a softmax output, a class-count edit already disagreed with the outputs; with
    /// one sigmoid output (binary cross-entropy), one class matched it and indexed out of range.
    @Test(arguments: [(0, false), (1, false), (2, false), (1, true)])
    func editedClassNamesAreAnErrorInEveryCommand(_ index: Int, _ sigmoid: Bool) throws {
        let folder = try temporaryFolder()
        let (data, checkpoint) = try Self.checkpoint(in: folder.url, flags: sigmoid ? ["--loss", "binary-cross-entropy"] : [])
        let edited = folder.appendingPathComponent("edited.safetensors").path
        try Self.editHeader(of: checkpoint, to: edited, Self.edits[index].1)
        let commands: [[String]] = [
            ["evaluate", edited, data], ["predict", edited, data], ["summary", edited],
            ["export", edited, "--onnx", folder.appendingPathComponent("m.onnx").path],
            ["train", data, "--resume", edited], ["gradcheck", "--model", edited],
        ]
        for command in commands {
            let result = try backprop(command)
            #expect(result.status == 1, "\(Self.edits[index].0): \(command[0]) exits \(result.status): \(result.error)")
            let lines = result.error.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].contains(edited), "\(Self.edits[index].0): \(command[0]): \(result.error)")
        }
    }

    /// A checkpoint's JSON field `key` (inside the `checkpoint` metadata string) set to `value`.
    static func setting(_ key: String, to value: String) -> @Sendable (String) -> String {
        { header in
            header.replacingOccurrences(
                of: #"\\"\#(key)\\":-?[0-9]+"#, with: #"\\"\#(key)\\":\#(value)"#, options: .regularExpression)
        }
    }

    static let counters: [(String, @Sendable (String) -> String)] = [
        ("epoch Int.max", setting("epoch", to: "9223372036854775807")),
        ("epoch 0", setting("epoch", to: "0")),
        ("batch Int.max", setting("batch", to: "9223372036854775807")),
        ("batch beyond the data", setting("batch", to: "1000")),
        ("Adam step Int.max", setting("optimizer_step", to: "9223372036854775807")),
        ("Adam step negative", setting("optimizer_step", to: "-5")),
        ("batch size Int.max", setting("batch_size", to: "9223372036854775807")),
        ("epochs Int.max", setting("epochs", to: "9223372036854775807")),
        ("partial correct Int.max", setting("partial_correct", to: "9223372036854775807")),
    ]

    /// Counters a crafted checkpoint carries are range-checked before training continues:
    /// `train --resume` ends with one line and exit 1, and never overflows a counter.
    @Test(arguments: 0..<counters.count)
    func craftedCheckpointCountersAreRangeChecked(_ index: Int) throws {
        let folder = try temporaryFolder()
        let (data, checkpoint) = try Self.checkpoint(in: folder.url)
        let edited = folder.appendingPathComponent("edited.safetensors").path
        try Self.editHeader(of: checkpoint, to: edited, Self.counters[index].1)
        let result = try backprop("train", data, "--resume", edited)
        #expect(result.status == 1, "\(Self.counters[index].0): exit \(result.status): \(result.error)")
        let lines = result.error.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains(edited), "\(Self.counters[index].0): \(result.error)")
    }

    /// Layer widths whose parameter count overflows, or does not fit in memory, are an
    /// error before anything is allocated.
    @Test(arguments: ["4294967296,4294967296,2", "3037000500,3037000500,3", "1000000,1000000,2"])
    func networksThatCannotFitAreAnError(_ widths: String) throws {
        let result = try backprop("gradcheck", "--layers", widths)
        #expect(result.status == 1, "exit \(result.status): \(result.error)")
        #expect(result.error.contains("bytes of memory"), "\(result.error)")
    }
}
