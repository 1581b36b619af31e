import Foundation
import Testing
import TestSupport

/// The hostile corpus: model files with bad labels and metadata, integers that
/// overflow, special files, gzip bombs and damaged gzip streams, symbolic links, and
/// outputs that cannot be written. Every case ends with a clear error — exit status 1 and
/// one line (2 and a usage hint for a usage error) naming what was wrong — with no signal,
/// within a time limit, in bounded memory (measured per run), having written nothing: the
/// folder it runs in is the same file for file afterwards.
@Suite struct HostileCorpusTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// Makes the case's files in the folder the command runs in.
        var make: @Sendable (URL) throws -> Void
        var command: [String]
        /// What the error must name (a file or a flag) and, after it, what it must say.
        var names: String
        var says: String
        var testDescription: String { name }
    }

    /// The memory any case may use: far below what the inputs claim (up to 2^64 values).
    static let peakLimitKiB = 256 * 1024

    @Test(arguments: modelCases + integerCases + specialFileCases + gzipCases + linkCases + outputCases)
    func hostileInputEndsWithAClearError(_ hostile: Case) throws {
        let folder = try temporaryFolder()
        try FileManager.default.copyItem(atPath: iris, toPath: folder.appendingPathComponent("iris.csv").path)
        try Data(try #require(Self.model)).write(to: folder.appendingPathComponent("model.safetensors"))
        // A valid IDX pair: two 2×2 images and their labels.
        try Data(Self.idxHeader(2, 2, 2) + Array(1...8)).write(to: folder.appendingPathComponent("images-idx3-ubyte"))
        try Data([0, 0, 8, 1, 0, 0, 0, 2, 0, 1]).write(to: folder.appendingPathComponent("labels-idx1-ubyte"))
        try hostile.make(folder.url)
        let before = try Self.listing(of: folder.url)
        let result = try measuredBackprop(hostile.command, in: folder.url)
        let lines = result.error.split(separator: "\n")
        #expect(result.status == 1 || result.status == 2, "exit \(result.status): \(result.error)")
        #expect(result.status != 1 || lines.count == 1, "more than one line: \(result.error)")
        let first = lines.first.map(String.init) ?? ""
        let named = first.range(of: hostile.names)
        #expect(named != nil && first[named!.upperBound...].contains(hostile.says), "\(result.error)")
        #expect(result.output.isEmpty, "it printed before failing: \(result.output.prefix(300))")
        #expect(try Self.listing(of: folder.url) == before, "files changed in \(folder.path)")
        let peak = try #require(result.peakKiB, "no peak memory reported")
        #expect(peak < Self.peakLimitKiB, "peak \(peak) KiB")
        print("hostile case '\(hostile.name)': exit \(result.status), peak \(peak) KiB: \(first)")
    }

    // MARK: - The cases

    /// A model file's labels or metadata edited (the rest of the file intact).
    static let modelCases: [Case] = [
        edit("class name empty", says: "is empty") { $0.labels["class_names"] = ["", "versicolor", "virginica"] },
        edit("class names are numbers", says: "classNames") { $0.labels["class_names"] = [1, 2, 3] },
        edit("four class names for three outputs", says: "expected 3 (one per output), got 4") { $0.labels["class_names"] = ["a", "b", "c", "d"] },
        edit("class names in a regression model", says: "no class names") { $0.labels["task"] = "regression" },
        edit("unknown task", says: "clustering") { $0.labels["task"] = "clustering" },
        edit("feature name repeated", says: "appears more than once") { $0.model["feature_names"] = ["a", "a", "b", "c"] },
        edit("two feature names for four inputs", says: "expected 4 (the network's input size), got 2") { $0.model["feature_names"] = ["a", "b"] },
        edit("scale zero", says: "scale 0.0") { $0.scaler["scale"] = [0, 1, 1, 1] },
        edit("two scales for four inputs", says: "expected 4 scales, got 2") { $0.scaler["scale"] = [1, 1] },
        edit("input divisor zero", says: "input_divisor") { $0.model["input_divisor"] = 0 },
        edit("unknown activation", says: "unknown activation 'swish'") { $0.layer0["activation"] = "swish" },
        edit("unknown loss", says: "unknown loss 'hinge'") { $0.model["loss"] = "hinge" },
        edit("no layers", says: "no layers") { $0.model["layers"] = [Any]() },
        edit("width disagrees with the tensors", says: "disagrees") { $0.layer0["output_size"] = 99 },
        edit("width 2^62", says: "4611686018427387904") { $0.layer0["output_size"] = 1 << 62 },
        edit("tensor of F16", says: "'F16' is not supported", tensors: { $0["layers.0.weight", default: [:]]["dtype"] = "F16" }),
        edit("tensor offsets reach 2^63 − 1", says: "data_offsets", tensors: { $0["layers.0.weight", default: [:]]["data_offsets"] = [0, Int.max] }),
        edit("negative tensor shape", says: "non-negative", tensors: { $0["layers.0.weight", default: [:]]["shape"] = [-100, 4] }),
        edit("tensor missing", says: "belong to none", tensors: { $0["layers.1.bias"] = nil }),
        Case(name: "data with a class the model does not know", make: { folder in
            try "sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,rose\n"
                .write(to: folder.appendingPathComponent("rose.csv"), atomically: true, encoding: .utf8)
        }, command: ["evaluate", "model.safetensors", "rose.csv"], names: "rose.csv", says: "'rose' is not one of the classes"),
        Case(name: "data without a feature the model reads", make: { folder in
            try "sepal_length,sepal_width,petal_length\n5.1,3.5,1.4\n"
                .write(to: folder.appendingPathComponent("short.csv"), atomically: true, encoding: .utf8)
        }, command: ["predict", "model.safetensors", "short.csv"], names: "short.csv", says: "petal_width"),
        Case(name: "a CSV column named twice", make: { folder in
            try "a,a,label\n1,2,x\n3,4,y\n".write(to: folder.appendingPathComponent("twice.csv"), atomically: true, encoding: .utf8)
        }, command: ["train", "twice.csv"], names: "twice.csv", says: "appears twice"),
        Case(name: "a CSV label empty", make: { folder in
            try "a,b,label\n1,2,x\n3,4,\n5,6,y\n".write(to: folder.appendingPathComponent("blank.csv"), atomically: true, encoding: .utf8)
        }, command: ["train", "blank.csv"], names: "blank.csv", says: "line 3, column 'label': the label is empty"),
    ]

    /// Integers that overflow or claim more than memory holds.
    static let integerCases: [Case] = [
        file("IDX sizes (2^32 − 1)^3", "big-images-idx3-ubyte", idxHeader(0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF) + [UInt8](repeating: 0, count: 16),
             command: ["train", "big-images-idx3-ubyte", "--labels", "labels-idx1-ubyte"], says: "input limit"),
        file("IDX with 255 dimensions", "wide-images-idx3-ubyte", [0, 0, 8, 255] + [UInt8](repeating: 0, count: 64),
             command: ["train", "wide-images-idx3-ubyte", "--labels", "labels-idx1-ubyte"], says: "255 dimensions"),
        file("safetensors header length 2^64 − 1", "long.safetensors", [UInt8](repeating: 0xFF, count: 8) + Array("{}".utf8),
             command: ["summary", "long.safetensors"], says: "header"),
        file("tensor shape whose product overflows", "shape.safetensors",
             Array(#"{"t":{"dtype":"F32","shape":[4611686018427387904,4611686018427387904],"data_offsets":[0,4]}}"#.utf8).withLength() + [0, 0, 0, 0],
             command: ["summary", "shape.safetensors"], says: "shape"),
        Case(name: "--hidden Int.max", make: { _ in }, command: ["train", "iris.csv", "--hidden", "9223372036854775807"],
             names: "9223372036854775807", says: "bytes of memory"),
        Case(name: "--epochs beyond Int", make: { _ in }, command: ["train", "iris.csv", "--epochs", "99999999999999999999"],
             names: "99999999999999999999", says: "--epochs"),
        Case(name: "--batch-size beyond the data", make: { _ in }, command: ["train", "iris.csv", "--batch-size", "9223372036854775807"],
             names: "--batch-size 9223372036854775807", says: "larger than the 150 training examples"),
        Case(name: "--max-input-bytes zero", make: { _ in }, command: ["train", "iris.csv", "--max-input-bytes=0"],
             names: "--max-input-bytes", says: "at least 1"),
    ]

    /// Files that are not regular files.
    static let specialFileCases: [Case] = [
        Case(name: "/dev/null as CSV", make: { _ in }, command: ["train", "/dev/null"], names: "/dev/null", says: "a device"),
        Case(name: "/dev/urandom as a model", make: { _ in }, command: ["summary", "/dev/urandom"], names: "/dev/urandom", says: "a device"),
        Case(name: "/dev/zero as IDX labels", make: { _ in }, command: ["train", "images-idx3-ubyte", "--labels", "/dev/zero"],
             names: "/dev/zero", says: "a device"),
        Case(name: "a folder as a model", make: { folder in
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("folder.safetensors"), withIntermediateDirectories: false)
        }, command: ["predict", "folder.safetensors", "iris.csv"], names: "folder.safetensors", says: "a folder"),
        Case(name: "a FIFO as IDX images", make: { folder in
            #expect(mkfifo(folder.appendingPathComponent("pipe-images-idx3-ubyte").path, 0o644) == 0)
        }, command: ["train", "pipe-images-idx3-ubyte", "--labels", "labels-idx1-ubyte"], names: "pipe-images-idx3-ubyte", says: "FIFO"),
        Case(name: "a FIFO as --test data", make: { folder in
            #expect(mkfifo(folder.appendingPathComponent("test.csv").path, 0o644) == 0)
        }, command: ["train", "iris.csv", "--test", "test.csv"], names: "test.csv", says: "FIFO"),
    ]

    /// Gzip bombs and damaged gzip streams.
    static let gzipCases: [Case] = [
        file("gzip bomb: header claims 2^31 pixels", "bomb-images-idx3-ubyte.gz", gzip(idxHeader(1 << 15, 256, 256) + [UInt8](repeating: 0, count: 1 << 20)),
             command: ["train", "bomb-images-idx3-ubyte.gz", "--labels", "labels-idx1-ubyte"], says: "input limit"),
        file("gzip bomb: labels claim 2^32 − 1", "bomb-labels-idx1-ubyte.gz", gzip([0, 0, 8, 1, 0xFF, 0xFF, 0xFF, 0xFF] + [UInt8](repeating: 0, count: 1 << 20)),
             command: ["train", "images-idx3-ubyte", "--labels", "bomb-labels-idx1-ubyte.gz"], says: "input limit"),
        file("gzip bomb: honest header, 256 MiB more", "tail-images-idx3-ubyte.gz", gzip(idxHeader(2, 2, 2) + [UInt8](repeating: 0, count: 8 + (1 << 28))),
             command: ["train", "tail-images-idx3-ubyte.gz", "--labels", "labels-idx1-ubyte"], says: "more than the 8 bytes"),
        file("gzip stream cut short", "cut-images-idx3-ubyte.gz", Array(gzip(idxHeader(2, 2, 2) + Array(1...8)).prefix(20)),
             command: ["train", "cut-images-idx3-ubyte.gz", "--labels", "labels-idx1-ubyte"], says: "cut short"),
        file("gzip check failed", "crc-images-idx3-ubyte.gz", corruptedChecksum(gzip(idxHeader(2, 2, 2) + Array(1...8))),
             command: ["train", "crc-images-idx3-ubyte.gz", "--labels", "labels-idx1-ubyte"], says: "damaged gzip stream"),
    ]

    /// Symbolic links as inputs and outputs.
    static let linkCases: [Case] = [
        link("a link to /dev/zero as CSV", "zero.csv", to: "/dev/zero", command: ["train", "zero.csv"], says: "a device"),
        link("a link loop as CSV", "loop.csv", to: "loop.csv", command: ["train", "loop.csv"], says: "symbolic links"),
        link("a dangling link as a model", "gone.safetensors", to: "nowhere/gone.safetensors",
             command: ["summary", "gone.safetensors"], says: "No such file"),
        link("--output a dangling link", "out.safetensors", to: "nowhere/out.safetensors",
             command: ["train", "iris.csv", "--output", "out.safetensors"], says: "cannot be reached"),
        link("--output a link to a folder", "out.safetensors", to: "/tmp",
             command: ["train", "iris.csv", "--output", "out.safetensors"], says: "a folder"),
        link("--checkpoint-dir a link to a file", "runs", to: "iris.csv",
             command: ["train", "iris.csv", "--checkpoint-every", "1", "--checkpoint-dir", "runs"], says: "cannot create the folder"),
    ]

    /// Outputs that cannot be written, found before any work.
    static let outputCases: [Case] = [
        output("--output inside a file", ["train", "iris.csv", "--output", "iris.csv/model.safetensors"], names: "iris.csv/model.safetensors", says: "is not a folder"),
        output("--output in /proc", ["train", "iris.csv", "--output", "/proc/version"], names: "/proc/version", says: "temporary file"),
        output("--output empty", ["train", "iris.csv", "--output", ""], names: "--output", says: "the path is empty"),
        output("--output 300 bytes long", ["train", "iris.csv", "--output", String(repeating: "m", count: 300)], names: "--output", says: "allows 255"),
        output("--output an existing folder", ["train", "iris.csv", "--output", "."], names: "--output .", says: "a folder"),
        // A FIFO, not /dev/null: a regression must not replace a device of the machine.
        Case(name: "--plot a FIFO", make: { folder in
            #expect(mkfifo(folder.appendingPathComponent("curves.svg").path, 0o644) == 0)
        }, command: ["train", "iris.csv", "--plot", "curves.svg"], names: "--plot curves.svg", says: "not a regular file"),
        output("--plot in a missing folder", ["train", "iris.csv", "--plot", "plots/curves.svg"], names: "--plot plots/curves.svg", says: "does not exist"),
        output("export to a missing folder", ["export", "model.safetensors", "--onnx", "onnx/model.onnx"], names: "--onnx onnx/model.onnx", says: "does not exist"),
        output("predict to a missing folder", ["predict", "model.safetensors", "iris.csv", "--output", "out/p.csv"], names: "--output out/p.csv", says: "does not exist"),
    ]

    // MARK: - Making the cases

    /// A model trained on Iris for one epoch (3 classes, 4 features), shared by the cases.
    static let model: [UInt8]? = {
        guard let folder = try? temporaryFolder() else { return nil }
        let path = folder.appendingPathComponent("model.safetensors").path
        guard (try? backprop("train", iris, "--epochs", "1", "--hidden", "8", "--output", path))?.status == 0 else { return nil }
        return (try? Data(contentsOf: URL(fileURLWithPath: path))).map { [UInt8]($0) }
    }()

    /// The parts of a model file's header that the edits change.
    struct Header {
        var model: [String: Any]
        var tensors: [String: [String: Any]]
        var labels: [String: Any] {
            get { model["labels"] as? [String: Any] ?? [:] }
            set { model["labels"] = newValue }
        }
        var scaler: [String: Any] {
            get { model["scaler"] as? [String: Any] ?? [:] }
            set { model["scaler"] = newValue }
        }
        var layer0: [String: Any] {
            get { (model["layers"] as? [[String: Any]])?.first ?? [:] }
            set { model["layers"] = [newValue] + ((model["layers"] as? [[String: Any]])?.dropFirst() ?? []) }
        }
    }

    /// The shared model, edited, evaluated on Iris: the error names the model file.
    static func edit(
        _ name: String, says: String, _ change: @escaping @Sendable (inout Header) -> Void = { _ in },
        tensors: @escaping @Sendable (inout [String: [String: Any]]) -> Void = { _ in }
    ) -> Case {
        Case(name: "model: \(name)", make: { folder in
            let bytes = try #require(model)
            let length = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            var header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
            var metadata = try #require(header.removeValue(forKey: "__metadata__") as? [String: String])
            var parts = Header(
                model: try jsonObject(try #require(metadata["model"])),
                tensors: header.compactMapValues { $0 as? [String: Any] })
            change(&parts)
            tensors(&parts.tensors)
            metadata["model"] = String(decoding: try JSONSerialization.data(withJSONObject: parts.model), as: UTF8.self)
            var edited: [String: Any] = parts.tensors
            edited["__metadata__"] = metadata
            let json = [UInt8](try JSONSerialization.data(withJSONObject: edited))
            try Data(json.withLength() + bytes[(8 + length)...]).write(to: folder.appendingPathComponent("edited.safetensors"))
        }, command: ["evaluate", "edited.safetensors", "iris.csv"], names: "edited.safetensors", says: says)
    }

    /// A file `path` with `bytes` (made when the case runs); the error names `path`.
    static func file(
        _ name: String, _ path: String, _ bytes: @autoclosure @escaping @Sendable () -> [UInt8], command: [String], says: String
    ) -> Case {
        Case(name: name, make: { folder in
            try Data(bytes()).write(to: folder.appendingPathComponent(path))
        }, command: command, names: path, says: says)
    }

    /// A symbolic link `path` to `target`; the error names `path`.
    static func link(_ name: String, _ path: String, to target: String, command: [String], says: String) -> Case {
        Case(name: name, make: { folder in
            try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent(path).path, withDestinationPath: target)
        }, command: command, names: path, says: says)
    }

    static func output(_ name: String, _ command: [String], names: String, says: String) -> Case {
        Case(name: name, make: { _ in }, command: command, names: names, says: says)
    }

    /// An IDX images header: unsigned bytes, three dimensions.
    static func idxHeader(_ count: UInt32, _ rows: UInt32, _ columns: UInt32) -> [UInt8] {
        [0, 0, 8, 3] + [count, rows, columns].flatMap { withUnsafeBytes(of: $0.bigEndian, Array.init) }
    }

    /// `bytes` compressed by gzip -9 (the system's gzip).
    static func gzip(_ bytes: [UInt8]) -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-9", "-c"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        guard (try? process.run()) != nil else { return [] }
        let writer = Thread {
            input.fileHandleForWriting.write(Data(bytes))
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let compressed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return [UInt8](compressed)
    }

    /// A gzip stream whose CRC-32 (the trailer's first 4 bytes) no longer matches.
    static func corruptedChecksum(_ stream: [UInt8]) -> [UInt8] {
        var bytes = stream
        if bytes.count >= 8 { bytes[bytes.count - 8] ^= 0xFF }
        return bytes
    }

    /// Every entry below `folder` with its type, size and modification time; symbolic
    /// links are listed, never followed.
    static func listing(of folder: URL) throws -> [String] {
        var entries: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() {
            let path = folder.appendingPathComponent(name)
            var status = stat()
            lstat(path.path, &status)
            entries.append("\(name) \(status.st_mode) \(status.st_size) \(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)")
            if (status.st_mode & S_IFMT) == S_IFDIR {
                entries += try listing(of: path).map { name + "/" + $0 }
            }
        }
        return entries
    }
}
