#if Server
import BackpropServer
import Foundation
import Hummingbird
import NIOCore

/// What the controllers of runs share: the server's runs, and the helpers their handlers read
/// requests and write answers with.
protocol PlaygroundController: Sendable {
    /// The server's runs and uploaded tables.
    var runs: PlaygroundRuns { get }
}

extension PlaygroundController {
    /// The run the path's `:id` names.
    func runNamed(by context: PlaygroundRequestContext) throws -> PlaygroundRun {
        try runs.run(context.parameters.require("id"))
    }

    /// `body`'s result, computed on a thread of the playground's own and one core
    /// (`PlaygroundWorkers`), never on the pool that answers requests.
    func compute<T: Sendable>(_ context: PlaygroundRequestContext, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await runs.workers.compute(for: context.connection, body)
    }

    /// The request body of settings, up to `PlaygroundBudget.maximumSettingsBytes`.
    func body(_ request: Request) async throws -> [UInt8] {
        try await collect(request, upTo: runs.workers.budget.maximumSettingsBytes)
    }

    /// The body of an upload, up to `PlaygroundServer.maximumBodyBytes`, while fewer than
    /// `PlaygroundBudget.maximumUploads` others are being received.
    func upload(_ request: Request) async throws -> [UInt8] {
        try await runs.workers.receivingUpload { try await collect(request, upTo: PlaygroundServer.maximumBodyBytes) }
    }

    private func collect(_ request: Request, upTo limit: Int) async throws -> [UInt8] {
        do {
            return Array(try await request.body.collect(upTo: limit).readableBytesView)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            throw RequestError(.badRequest, "the request body ended early: \(error)")
        }
    }

    /// `body`'s result, with the library's errors (bad settings, files, shapes) as 400s that
    /// name an uploaded file by the name it was uploaded with, not where the server keeps it.
    func asBadRequest<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as RequestError {
            throw error
        } catch {
            let folder = NSRegularExpression.escapedPattern(for: runs.directory.path)
            let message = "\(error)".replacingOccurrences(of: folder + "/[0-9a-f]+/", with: "", options: .regularExpression)
            throw RequestError(.badRequest, message)
        }
    }

    /// A whole-number query parameter within `range`.
    func integer(_ request: Request, _ name: String, default value: Int, in range: ClosedRange<Int>) throws(RequestError) -> Int {
        guard let text = request.uri.queryParameters.get(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw RequestError(.badRequest, "\(name) '\(text.prefix(32))': expected a whole number in \(range.lowerBound) … \(range.upperBound)")
        }
        return number
    }

    /// `value` encoded as the body of a JSON response.
    func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        jsonResponse(try PlaygroundJSON.string(value), status: status)
    }

    /// `bytes` as a file download named `name`.
    func download(_ bytes: Data, name: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/octet-stream", .contentDisposition: "attachment; filename=\"\(name)\""],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
#endif
