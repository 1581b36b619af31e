#if Server
import Backprop
import BackpropServer
import Foundation

/// The JSON the playground's API answers with.
enum PlaygroundJSON {
    /// `value` encoded.
    static func string(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    /// Settings from a request body; the error names the setting and what it expects.
    static func settings(from body: some Sequence<UInt8>) throws(RequestError) -> PlaygroundSettings {
        let bytes = Data(body)
        guard !bytes.isEmpty else { return PlaygroundSettings() }
        do {
            return try JSONDecoder().decode(PlaygroundSettings.self, from: bytes)
        } catch let DecodingError.typeMismatch(type, context), let DecodingError.valueNotFound(type, context) {
            throw RequestError(.badRequest, "settings: '\(path(context))' must be \(describe(type))")
        } catch let DecodingError.dataCorrupted(context) {
            let at = path(context)
            throw RequestError(.badRequest, at.isEmpty ? "settings: the body is not JSON" : "settings: '\(at)': \(context.debugDescription)")
        } catch {
            throw RequestError(.badRequest, "settings: \(error)")
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Double.Type: "a number"
        case is Int.Type, is UInt64.Type: "a whole number"
        case is String.Type: "a string"
        default: "\(type)".lowercased().contains("array") ? "a list" : "\(type)"
        }
    }
}

/// What the page needs to know of a run besides its snapshots: its settings as the server
/// took them, its examples and their names.
struct RunInfo: Encodable {
    var id: String
    var settings: PlaygroundSettings
    var featureNames: [String]
    var classNames: [String]
    var task: String
    var trainCount: Int, testCount: Int
    /// The built-in data's points, training points first (nil for a table).
    var points: Points?
    /// Each example's label (a class name, or the value), training examples first; at most
    /// 1,000 (the lecture view names the example it explains).
    var labels: [String]

    struct Points: Encodable {
        var x1: [Double], x2: [Double], labels: [Double]
    }

    init(id: String, session: PlaygroundSession) {
        let examples = session.examples
        self.id = id
        settings = session.settings
        featureNames = examples.encoding.featureNames
        classNames = examples.encoding.labels.classNames
        task = examples.encoding.labels.task.rawValue
        trainCount = examples.train.count
        testCount = examples.test.count
        points = examples.points.map { Points(x1: $0.x1, x2: $0.x2, labels: $0.labels) }
        labels = (0..<min(examples.count, 1000)).map { index in
            let (data, row) = examples.locate(index)
            switch data.targets {
            case .classes(let classes): return examples.encoding.labels.classNames[classes[row]]
            case .values(let y): return "\(y[row, 0])"
            }
        }
    }
}
#endif
