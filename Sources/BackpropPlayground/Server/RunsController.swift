#if Server
import BackpropServer
import Hummingbird

/// A run's life under `/api/runs`: made from settings, followed by Server-Sent Events,
/// played, paused and stepped. Whatever touches a run is computed by `PlaygroundWorkers`.
struct RunsController: PlaygroundController {
    let runs: PlaygroundRuns

    func addRoutes(to group: RouterGroup<PlaygroundRequestContext>) {
        group
            .post(use: create)
            .get(":id", use: info)
            .get(":id/events", use: events)
            .post(":id/play", use: play)
            .post(":id/pause", use: pause)
            .post(":id/step", use: step)
            .get(":id/snapshot", use: snapshot)
    }

    /// `POST /api/runs` with settings: a new run, paused.
    @Sendable func create(_ request: Request, context: PlaygroundRequestContext) async throws -> Response {
        let settings = try PlaygroundJSON.settings(from: try await body(request))
        let table = try settings.table.map { id throws(RequestError) in try runs.table(id) }
        return try await compute(context) {
            let session = try asBadRequest { try PlaygroundSession(settings, table: table) }
            let run = runs.add(session)
            return try json(RunInfo(id: run.id, session: session), status: .created)
        }
    }

    /// `GET /api/runs/ID`: the run's settings and examples.
    @Sendable func info(_ request: Request, context: PlaygroundRequestContext) async throws -> Response {
        let run = try runNamed(by: context)
        return try await compute(context) { try json(run.withSession { RunInfo(id: run.id, session: $0) }) }
    }

    /// `GET /api/runs/ID/events`: a snapshot at each change.
    @Sendable func events(_ request: Request, context: PlaygroundRequestContext) async throws -> Response {
        let run = try runNamed(by: context)
        let stream = try await runs.workers.run(for: nil) { _ in run.subscribe() }
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody(asyncSequence: stream))
    }

    /// `POST /api/runs/ID/play?rate=R`: trains on the server, R mini-batches a second (none: flat out).
    @Sendable func play(_ request: Request, context: PlaygroundRequestContext) async throws -> Response {
        let run = try runNamed(by: context)
        let rate = try request.uri.queryParameters.get("rate").map { text throws(RequestError) in
            guard let rate = Double(text), rate.isFinite, rate > 0 else {
                throw RequestError(.badRequest, "rate '\(text.prefix(32))': expected mini-batches a second, a positive number")
            }
            return rate
        }
        try await runs.workers.run(for: nil) { _ in run.play(rate: rate) }
        return jsonResponse("{\"playing\":true}")
    }

    /// `POST /api/runs/ID/pause`.
    @Sendable func pause(_ request: Request, context: PlaygroundRequestContext) async throws -> Response {
        let run = try runNamed(by: context)
        try await runs.workers.run(for: nil) { _ in run.pause() }
        return jsonResponse("{\"playing\":false}")
    }

    /// `POST /api/runs/ID/step?batches=N`: N mini-batches (at most `PlaygroundBudget`'s),
    /// then the snapshot. Training stops early if the client goes away or the request's time
    /// runs out; the snapshot's `steps` says how far it got.
    @Sendable func step(_ request: Request, context: PlaygroundRequestContext) async throws -> Response {
        let run = try runNamed(by: context)
        let batches = try integer(request, "batches", default: 1, in: 1...runs.workers.budget.maximumBatchesPerStep)
        let cores = runs.workers.cores
        return try await runs.workers.run(for: context.connection) { control in
            jsonResponse(try asBadRequest { try run.step(batches: batches, on: cores, until: control).json() })
        }
    }

    /// `GET /api/runs/ID/snapshot`: the run as it stands.
    @Sendable func snapshot(_ request: Request, context: PlaygroundRequestContext) async throws -> Response {
        let run = try runNamed(by: context)
        return try await compute(context) { jsonResponse(try run.withSession { $0.state }.snapshot().json()) }
    }
}
#endif
