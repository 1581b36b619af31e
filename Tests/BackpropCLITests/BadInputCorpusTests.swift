import Foundation
import Testing
import TestSupport

/// Damaged inputs through the command line: each ends with exit status 1, one line on
/// stderr naming the file, no crash signal, and memory (measured per run) far below what
/// the damage claims.
@Suite struct BadInputCorpusTests {
    struct Damaged: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var command: [String]  // FILE stands for the damaged file
        var testDescription: String { name }
    }

    static let idxHeader: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2]
    static let corpus: [Damaged] = {
        var items: [Damaged] = []
        func csv(_ name: String, _ text: String) {
            items.append(Damaged(name: "CSV: \(name)", bytes: Array(text.utf8), command: ["train", "FILE.csv", "--epochs", "1"]))
        }
        csv("empty", "")
        csv("header only", "a,b,label\n")
        csv("ragged row", "a,b,label\n1,2,x\n3,y\n")
        csv("non-numeric", "a,b,label\n1,2,x\n3,four,y\n")
        csv("NaN", "a,b,label\n1,nan,x\n3,4,y\n")
        csv("infinity", "a,b,label\n1,inf,x\n3,4,y\n")
        csv("huge", "a,b,label\n1,1e400,x\n3,4,y\n")
        csv("one class", "a,b,label\n1,2,x\n3,4,x\n")
        csv("truncated mid-row", "a,b,label\n1,2,x\n3,4,y\n5,")
        items.append(Damaged(name: "CSV: Latin-1 bytes", bytes: Array("a,b,label\n1,2,".utf8) + [0xE9, 0x0A], command: ["train", "FILE.csv", "--epochs", "1"]))
        func idx(_ name: String, _ bytes: [UInt8]) {
            items.append(Damaged(name: "IDX: \(name)", bytes: bytes, command: ["train", "FILE-images-idx3-ubyte", "--epochs", "1"]))
        }
        idx("empty", [])
        idx("wrong magic", [8, 0, 0, 3] + idxHeader.dropFirst(4) + [UInt8](repeating: 1, count: 8))
        idx("sizes disagree with the file", idxHeader + [1, 2, 3])
        idx("claims 2^40 values", [0, 0, 8, 3, 0, 0, 1, 0, 0, 0, 0x10, 0, 0, 0, 0x10, 0] + [UInt8](repeating: 7, count: 64))
        idx("little-endian sizes", [0, 0, 8, 3, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0] + [UInt8](repeating: 1, count: 8))
        for cut in [3, 7, 15, 18] { idx("truncated at \(cut)", Array((idxHeader + [UInt8](repeating: 1, count: 8)).prefix(cut))) }
        func model(_ name: String, _ bytes: [UInt8]) {
            items.append(Damaged(name: "model: \(name)", bytes: bytes, command: ["summary", "FILE.safetensors"]))
        }
        model("empty", [])
        model("header length 2^62", [0, 0, 0, 0, 0, 0, 0, 0x40] + Array("{}".utf8))
        model("header not JSON", [5, 0, 0, 0, 0, 0, 0, 0] + Array("{nope".utf8))
        model("no metadata", [2, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8))
        model("tensor claims 2^40 values", Array("{\"t\":{\"dtype\":\"F32\",\"shape\":[1099511627776],\"data_offsets\":[0,4]}}".utf8).withLength() + [0, 0, 0, 0])
        return items
    }()

    @Test(arguments: corpus)
    func damagedInputGivesOneLineAndExitStatus1(_ damaged: Damaged) throws {
        let folder = try temporaryFolder()
        let stem = folder.appendingPathComponent("damaged").path
        let command = damaged.command.map { $0.hasPrefix("FILE") ? stem + $0.dropFirst(4) : $0 }
        let file = try #require(command.first { $0.hasPrefix(stem) })
        try Data(damaged.bytes).write(to: URL(fileURLWithPath: file))
        if file.hasSuffix("images-idx3-ubyte") {  // a valid labels file beside it
            try Data([0, 0, 8, 1, 0, 0, 0, 2, 1, 0]).write(to: URL(fileURLWithPath: stem + "-labels-idx1-ubyte"))
        }
        let result = try measuredBackprop(command, in: folder.url)
        #expect(result.status == 1, "\(result.error)")
        let lines = result.error.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains(file), "\(result.error)")
        // This run's own peak resident size: the damage claims up to 4 TiB (2^40 floats).
        let peak = try #require(result.peakKiB, "no peak memory reported")
        #expect(peak < HostileCorpusTests.peakLimitKiB, "peak \(peak) KiB")
    }

    /// A batch size given larger than the data is a usage error (exit 2); the default (32)
    /// shrinks to the data, as Keras and PyTorch's DataLoader do.
    @Test func batchLargerThanTheDataIsRejected() throws {
        let result = try backprop("train", iris, "--batch-size", "500")
        #expect(result.status == 2 && result.error.contains("--batch-size 500 is larger than the 150"))
        let folder = try temporaryFolder()
        let three = folder.appendingPathComponent("three.csv").path
        try "a,b,label\n1,2,x\n3,4,y\n5,6,x\n".write(toFile: three, atomically: true, encoding: .utf8)
        let small = try backprop("train", three, "--epochs", "1", "--json")
        #expect(small.status == 0, "\(small.error)")
        #expect(try jsonLines(small.output).last?["final"] as? Bool == true)
    }
}

extension Array where Element == UInt8 {
    /// A safetensors file: this JSON header preceded by its length.
    func withLength() -> [UInt8] {
        Swift.withUnsafeBytes(of: UInt64(count).littleEndian, Array.init) + self
    }
}
