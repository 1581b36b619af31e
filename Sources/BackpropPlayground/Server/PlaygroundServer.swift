#if Server
import Backprop
import BackpropONNX
import BackpropServer
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The server behind `backprop playground`: the page, and an API that trains runs with the
/// library, step by step, and streams what they look like.
///
/// | request | answer |
/// |---|---|
/// | `GET /` | the page (HTML, JavaScript and CSS built into the binary) |
/// | `POST /api/runs` with settings | a new run, paused: its id, settings, examples |
/// | `GET /api/runs/ID/events` | Server-Sent Events: a snapshot at each change, ≤ 30 a second |
/// | `POST /api/runs/ID/play?rate=R`, `…/pause` | train on the server (R mini-batches a second; none: flat out), or stop |
/// | `POST /api/runs/ID/step?batches=N` | N mini-batches, then the snapshot |
/// | `GET /api/runs/ID/explain?example=K` | example K through the lecture's equations (`backprop explain --json`) |
/// | `POST /api/runs/ID/lecture-step?example=K` | w ← w − η ∂C/∂w on example K: before and after |
/// | `GET /api/runs/ID/gradient-check?example=K` | every ∂C/∂w by backpropagation and by finite differences |
/// | `GET /api/runs/ID/model.safetensors`, `…/model.onnx` | the trained model |
/// | `GET /api/runs/ID/examples.csv` | the built-in data's examples with their features |
/// | `POST /api/runs/ID/model` with a model file | the run continues from that model |
/// | `POST /api/tables?name=F&label=C` with a CSV file | an uploaded table, for settings' `table` |
public struct PlaygroundServer: Sendable {
    /// The address and port it listens on (port 0: any free port).
    public let host: String, port: Int
    /// The largest request body accepted (a CSV or model upload).
    public static let maximumBodyBytes = PlaygroundTable.maximumBytes
    let runs: PlaygroundRuns
    let logger: Logger

    /// A server for `host`:`port`.
    /// - Throws: if its temporary folder for uploads cannot be made.
    public init(host: String = "127.0.0.1", port: Int = 8080, logger: Logger? = nil) throws {
        self.host = host
        self.port = port
        self.logger = logger ?? Logger(label: "backprop.playground")
        runs = try PlaygroundRuns()
    }

    /// Serves until SIGTERM or SIGINT, then stops every run and returns.
    /// - Parameter onServerRunning: called with the bound port once the server accepts connections.
    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await ServiceGroup(
            configuration: .init(
                services: services(onServerRunning: onServerRunning), gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        ).run()
    }

    /// The services to run in a `ServiceGroup`: the Hummingbird application, and after it one
    /// that stops the runs and ends the pages' event streams. A group shuts its services down
    /// last first, so the streams end before the server drains (they would keep it waiting forever).
    public func services(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> [any Service] {
        let application = Application(
            router: makeRouter(),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "backprop-playground"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
        return [application, StreamCloser(runs: runs)]
    }

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.middlewares.add(JSONErrorMiddleware())
        for asset in PlaygroundPage.assets {
            router.get(RouterPath(asset.path)) { _, _ in
                Response(
                    status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "no-cache"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: asset.bytes)))
            }
        }
        router.post("/api/runs") { request, context in
            let settings = try PlaygroundJSON.settings(from: try await body(request))
            let table = try settings.table.map { id throws(RequestError) in try runs.table(id) }
            let session = try asBadRequest { try PlaygroundSession(settings, table: table) }
            let run = runs.add(session)
            return try json(RunInfo(id: run.id, session: session), status: .created)
        }
        router.get("/api/runs/:id") { _, context in
            let run = try runs.run(context.parameters.require("id"))
            return try json(run.withSession { RunInfo(id: run.id, session: $0) })
        }
        router.get("/api/runs/:id/events") { _, context in
            let run = try runs.run(context.parameters.require("id"))
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                body: ResponseBody(asyncSequence: run.subscribe()))
        }
        router.post("/api/runs/:id/play") { request, context in
            let run = try runs.run(context.parameters.require("id"))
            let rate = try request.uri.queryParameters.get("rate").map { text throws(RequestError) in
                guard let rate = Double(text), rate.isFinite, rate > 0 else {
                    throw RequestError(.badRequest, "rate '\(text.prefix(32))': expected mini-batches a second, a positive number")
                }
                return rate
            }
            run.play(rate: rate)
            return jsonResponse("{\"playing\":true}")
        }
        router.post("/api/runs/:id/pause") { _, context in
            try runs.run(context.parameters.require("id")).pause()
            return jsonResponse("{\"playing\":false}")
        }
        router.post("/api/runs/:id/step") { request, context in
            let run = try runs.run(context.parameters.require("id"))
            let batches = try integer(request, "batches", default: 1, in: 1...100_000)
            return jsonResponse(try run.paused { session in
                try asBadRequest { try session.step(batches: batches) }
                return try session.snapshot().json()
            })
        }
        router.get("/api/runs/:id/snapshot") { _, context in
            let run = try runs.run(context.parameters.require("id"))
            return jsonResponse(try run.withSession { try $0.snapshot().json() })
        }
        router.get("/api/runs/:id/explain") { request, context in
            let run = try runs.run(context.parameters.require("id"))
            let example = try integer(request, "example", default: 0, in: 0...Int.max)
            let explanation = try run.withSession { session in try asBadRequest { try session.explanation(example: example) } }
            return jsonResponse(try explanation.jsonString())
        }
        router.post("/api/runs/:id/lecture-step") { request, context in
            let run = try runs.run(context.parameters.require("id"))
            let example = try integer(request, "example", default: 0, in: 0...Int.max)
            let (eta, before, after) = try run.paused { session in
                try asBadRequest {
                    let before = try session.lectureStep(example: example)
                    return (session.settings.learningRate, before, try session.explanation(example: example))
                }
            }
            return jsonResponse("{\"learning_rate\":\(eta),\"before\":\(try before.jsonString()),\"after\":\(try after.jsonString())}")
        }
        router.get("/api/runs/:id/gradient-check") { request, context in
            let run = try runs.run(context.parameters.require("id"))
            let example = try integer(request, "example", default: 0, in: 0...Int.max)
            let results = try run.withSession { session in try asBadRequest { try session.gradientCheck(example: example) } }
            struct Check: Encodable {
                var parameters: [GradientCheck.ParameterResult]
                var maximumRelativeError: Double
            }
            return try json(Check(parameters: results, maximumRelativeError: results.map(\.relativeError).max() ?? 0))
        }
        router.get("/api/runs/:id/model.safetensors") { _, context in
            let run = try runs.run(context.parameters.require("id"))
            let model = try run.withSession { try $0.model() }
            return download(try ModelFile.data(of: model), name: "playground-\(run.id).safetensors")
        }
        router.get("/api/runs/:id/model.onnx") { _, context in
            let run = try runs.run(context.parameters.require("id"))
            let model = try run.withSession { try $0.model() }
            return download(try ONNXExport.data(for: model), name: "playground-\(run.id).onnx")
        }
        router.get("/api/runs/:id/examples.csv") { _, context in
            let run = try runs.run(context.parameters.require("id"))
            let csv = try run.withSession { session throws(RequestError) in
                guard let csv = session.examplesCSV() else {
                    throw RequestError(.notFound, "this run learns from an uploaded table: its examples are that file")
                }
                return csv
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/csv", .contentDisposition: "attachment; filename=\"playground-\(run.id).csv\""],
                body: ResponseBody(byteBuffer: ByteBuffer(string: csv)))
        }
        router.post("/api/runs/:id/model") { request, context in
            let run = try runs.run(context.parameters.require("id"))
            let bytes = try await body(request)
            let settings = try run.withSession { $0.settings }
            let table = try settings.table.map { id throws(RequestError) in try runs.table(id) }
            let model: Model<Float> = try asBadRequest { try ModelFile.read(from: Data(bytes), named: "the uploaded model") }
            let session = try asBadRequest { try PlaygroundSession(settings, table: table, continuing: model) }
            run.replace(with: session)
            return try json(RunInfo(id: run.id, session: session))
        }
        router.post("/api/tables") { request, context in
            let name = Self.fileName(request.uri.queryParameters.get("name") ?? "upload.csv")
            let label = request.uri.queryParameters.get("label").flatMap { $0.isEmpty ? nil : $0 }
            let bytes = try await body(request)
            let (id, table) = try asBadRequest { try runs.addTable(bytes, name: name, labelColumn: label) }
            // Read it once now, so that a malformed file is refused at the upload, naming the line.
            var settings = PlaygroundSettings()
            settings.table = id
            _ = try asBadRequest { try PlaygroundExamples(table: table, settings: settings) }
            return jsonResponse("{\"table\":\(jsonQuoted(id)),\"name\":\(jsonQuoted(name))}", status: .created)
        }
        return router
    }

    /// The request body, up to the limit.
    private func body(_ request: Request) async throws -> [UInt8] {
        do {
            return Array(try await request.body.collect(upTo: Self.maximumBodyBytes).readableBytesView)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            throw RequestError(.badRequest, "the request body ended early: \(error)")
        }
    }

    /// `body`'s result, with the library's errors (bad settings, files, shapes) as 400s that
    /// name an uploaded file by the name it was uploaded with, not where the server keeps it.
    private func asBadRequest<T>(_ body: () throws -> T) throws -> T {
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
    private func integer(_ request: Request, _ name: String, default value: Int, in range: ClosedRange<Int>) throws(RequestError) -> Int {
        guard let text = request.uri.queryParameters.get(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw RequestError(.badRequest, "\(name) '\(text.prefix(32))': expected a whole number in \(range.lowerBound) … \(range.upperBound)")
        }
        return number
    }

    private func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        jsonResponse(try PlaygroundJSON.string(value), status: status)
    }

    /// A file written by `write` to a temporary path, sent as an attachment named `name`.
    /// `bytes` as a file download named `name`.
    private func download(_ bytes: Data, name: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/octet-stream", .contentDisposition: "attachment; filename=\"\(name)\""],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// An uploaded file's name reduced to letters, digits, '.', '_' and '-', without any folder.
    static func fileName(_ name: String) -> String {
        let base = name.split(separator: "/").last.map(String.init) ?? ""
        let kept = String(base.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "._-".unicodeScalars.contains($0) }.map(Character.init))
        let trimmed = String(kept.drop { $0 == "." }.prefix(100))
        return trimmed.isEmpty ? "upload.csv" : trimmed
    }
}

/// Ends the pages' event streams when the server shuts down, so that it can drain.
struct StreamCloser: Service {
    let runs: PlaygroundRuns

    func run() async throws {
        try? await gracefulShutdown()
        runs.closeAll()
    }
}
#endif
