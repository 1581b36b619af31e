#if Server
import Backprop
import Foundation

/// What `backprop serve` runs: the model it serves, where it listens, how it batches, and the
/// limits that keep one client from holding the server.
public struct ServerConfiguration: Sendable {
    /// The model file (`backprop train --output`), read again on SIGHUP or when it changes.
    public var modelPath: String
    /// NAME in `/v1/models/NAME`: by default the file's base name without its extension.
    public var modelName: String
    /// The address to bind: loopback unless the user says otherwise.
    public var host = "127.0.0.1"
    /// The TCP port (0: any free port, reported once the server is running).
    public var port = 8080
    /// The most examples one forward pass takes (Triton's `max_batch_size`). A request with
    /// more examples than this (allowed only when `maxRequestExamples` is raised past it)
    /// runs in a pass of its own.
    public var maxBatch = 256
    /// The most examples one request may hold; a request with more gets 413, and the parser
    /// stops reading at the first example past the limit, so that the memory a request in
    /// flight holds is bounded by its body, this many examples' inputs and outputs, and its
    /// answer. nil, the default, takes `maxBatch`'s value: a request fits one forward pass.
    public var maxRequestExamples: Int?
    /// How long a forward pass may wait for more requests to join it (Triton's
    /// `max_queue_delay_microseconds`). Zero, the default, never waits: a lone request runs
    /// at once, and requests that arrive while a pass runs are gathered into the next.
    public var maxDelay: Duration = .zero
    /// The arithmetic of the forward passes' matrix products (`Precision`): float32 by default.
    public var precision: Precision = .float32
    /// The bearer token every request but `/healthz` and `/readyz` must carry, if any.
    public var token: String?
    /// The largest request body accepted; a larger one gets 413.
    public var maxBodyBytes = 16 << 20
    /// The time a connection has to deliver each complete request (head and body), counted
    /// from when it opens or its previous response is sent; then it is closed.
    public var requestTimeout: Duration = .seconds(30)
    /// The time a connection has to deliver each request's head (request line and header
    /// fields), counted from when it opens or its previous response is sent; then it is
    /// closed. Far shorter than `requestTimeout`, so that connections that never finish a
    /// head (a flood of them) free their places within seconds; a longer one has the effect
    /// of `requestTimeout`.
    public var headerTimeout: Duration = .seconds(5)
    /// A second port that answers only `GET /healthz`, `/readyz` and `/metrics`, so that
    /// probes reach the server while clients hold every connection of the main port
    /// (Triton's metrics port). nil, the default: none; the main port answers them either way.
    public var metricsPort: Int?
    /// The most connections open at once; further clients wait in the listen backlog.
    public var maxConnections = 512
    /// How often the model file is checked for a change (nil: only SIGHUP reloads).
    public var watchInterval: Duration? = .seconds(1)
    /// The largest model file read.
    public var maxModelBytes = InputFile.defaultMaximumBytes
    /// Whether `modelPath` is a repository folder, `DIR/NAME/VERSION/model.safetensors`,
    /// rather than one model file.
    public let isRepository: Bool
    /// The versions of each model a repository serves (the newest by default).
    public var versionPolicy = VersionPolicy.latest(1)

    /// Serves the model at `modelPath`, named `modelName` or after its file — or, when
    /// `modelPath` is a folder, the repository of models and versions in it, each named by
    /// its folder.
    /// - Throws: `ServerSetupError` if the name is not a valid model name, or is given for a repository.
    public init(modelPath: String, modelName: String? = nil) throws {
        self.modelPath = modelPath
        isRepository = ModelRepository.isFolder(modelPath)
        if isRepository {
            guard modelName == nil else {
                throw ServerSetupError(
                    "\(modelPath) is a repository folder: its models are named by their folders (NAME/VERSION/model.safetensors), not by --name")
            }
            self.modelName = URL(fileURLWithPath: modelPath).lastPathComponent
            return
        }
        let name = modelName ?? URL(fileURLWithPath: modelPath).deletingPathExtension().lastPathComponent
        guard Self.isValidModelName(name) else {
            throw ServerSetupError(
                modelName == nil
                    ? "the model's file name '\(name)' is not a usable model name; give one with --name (letters, digits, '.', '_', '-')"
                    : "model name '\(name)': expected letters, digits, '.', '_' or '-' (at most 128)")
        }
        self.modelName = name
    }

    /// The longest a forward pass may wait for more requests (`maxDelay`).
    public static let maximumDelay: Duration = .seconds(10)
    /// The examples one request may hold: `maxRequestExamples`, or `maxBatch` when it is nil.
    public var requestExampleLimit: Int { maxRequestExamples ?? maxBatch }

    /// The longest request timeout and watch interval.
    public static let maximumInterval: Duration = .seconds(86_400)

    /// Checks every setting against its range: the one check that `ModelServer` and the
    /// command line share.
    /// - Throws: `ServerSetupError` naming the first setting out of range (`setting` is the
    ///   property's name).
    public func validate() throws {
        func require(_ holds: Bool, _ setting: String, _ value: Any, expected: String) throws {
            guard holds else { throw ServerSetupError(setting: setting, value: "\(value)", expected: expected) }
        }
        try require((0...65535).contains(port), "port", port, expected: "0 … 65535")
        try require(maxBatch >= 1, "maxBatch", maxBatch, expected: "at least 1")
        if let maxRequestExamples {
            try require(maxRequestExamples >= 1, "maxRequestExamples", maxRequestExamples, expected: "at least 1")
        }
        try require(maxDelay >= .zero && maxDelay <= Self.maximumDelay, "maxDelay", maxDelay, expected: "0 … 10 s")
        try require(maxBodyBytes >= 1, "maxBodyBytes", maxBodyBytes, expected: "at least 1")
        try require(
            requestTimeout > .zero && requestTimeout <= Self.maximumInterval, "requestTimeout", requestTimeout,
            expected: "more than 0 s and at most 86400 s")
        try require(
            headerTimeout > .zero && headerTimeout <= Self.maximumInterval, "headerTimeout", headerTimeout,
            expected: "more than 0 s and at most 86400 s")
        if let metricsPort {
            try require((0...65535).contains(metricsPort), "metricsPort", metricsPort, expected: "0 … 65535")
            try require(
                metricsPort == 0 || metricsPort != port, "metricsPort", metricsPort, expected: "a port other than the main port \(port)")
        }
        try require(maxConnections >= 1, "maxConnections", maxConnections, expected: "at least 1")
        if let watchInterval {
            try require(
                watchInterval > .zero && watchInterval <= Self.maximumInterval, "watchInterval", watchInterval,
                expected: "more than 0 s and at most 86400 s, or none")
        }
        try require(maxModelBytes >= 1, "maxModelBytes", maxModelBytes, expected: "at least 1")
    }

    /// Whether `name` can be NAME in `/v1/models/NAME`: 1 to 128 ASCII letters, digits, '.', '_' or '-'.
    public static func isValidModelName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 128 && name != "." && name != ".."
            && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-_".unicodeScalars.contains($0)) }
    }

    /// The token in a file: its first line, without surrounding white space.
    /// - Throws: `ServerSetupError` if the file cannot be read or holds no token.
    public static func token(readingFile path: String) throws -> String {
        let bytes: [UInt8]
        do {
            bytes = try InputFile.read(path, maximumBytes: 4096)
        } catch {
            throw ServerSetupError("\(error)")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let token = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard !token.isEmpty, token.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 }) else {
            throw ServerSetupError("\(path): expected a bearer token (printable ASCII without spaces) on the first line")
        }
        return token
    }
}

/// Why the server could not start: a bad setting or a model that does not load.
public struct ServerSetupError: Error, CustomStringConvertible, Sendable {
    /// What was wrong, naming the file or setting.
    public let description: String
    /// The `ServerConfiguration` property out of range, its value and what it must be, when
    /// a setting was at fault.
    public let setting: (name: String, value: String, expected: String)?

    init(_ description: String) {
        self.description = description
        setting = nil
    }

    init(setting name: String, value: String, expected: String) {
        description = "\(name) \(value): expected \(expected)"
        setting = (name, value, expected)
    }
}
#endif
