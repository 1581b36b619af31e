import Foundation

/// A fresh folder under the system's temporary folder for one test, removed with everything
/// in it when the last reference to it goes: a suite that holds one as a property gets a new
/// folder for each test (Swift Testing makes a suite instance per test), and a test that
/// holds one in a local constant keeps it until the test returns (tests build unoptimized,
/// where a value lives to the end of its scope).
public final class TemporaryFolder: Sendable {
    public let url: URL

    /// Makes `<temporary folder>/<prefix>-<UUID>`.
    public init(_ prefix: String = "backprop-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// The folder's path.
    public var path: String { url.path }

    /// The path of `name` in the folder.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// The URL of `name` in the folder.
    public func appendingPathComponent(_ name: String) -> URL { url.appendingPathComponent(name) }
}
