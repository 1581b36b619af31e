import Foundation
import Testing

/// Model files whose metadata a hostile user edited: every command that reads them ends
/// with exit status 1 and one line naming the file — never a crash.
@Suite struct HostileModelTests {
    /// A checkpoint of a two-class model (`no`, `yes`), trained on a small CSV file.
    static func checkpoint(in folder: URL) throws -> (data: String, checkpoint: String) {
        let data = folder.appendingPathComponent("two.csv").path
        var rows = "a,b,label\n"
        for i in 0..<40 { rows += "\(Double(i % 7) / 3),\(Double(i % 5) / 2),\(i % 2 == 0 ? "no" : "yes")\n" }
        try rows.write(toFile: data, atomically: true, encoding: .utf8)
        let train = try backprop(
            "train", data, "--hidden", "4", "--epochs", "2", "--batch-size", "8", "--checkpoint-every", "1",
            "--checkpoint-dir", folder.path)
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

    @Test(arguments: 0..<edits.count)
    func editedClassNamesAreAnErrorInEveryCommand(_ index: Int) throws {
        let folder = try temporaryFolder()
        let (data, checkpoint) = try Self.checkpoint(in: folder)
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
}
