#if Server
import BackpropServer
import Hummingbird

/// A run's life under `/api/runs`: made from settings, followed by Server-Sent Events,
/// played, paused and stepped.
struct RunsController<Context: RequestContext>: PlaygroundController {
    let runs: PlaygroundRuns

    func addRoutes(to group: RouterGroup<Context>) {
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
    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let settings = try PlaygroundJSON.settings(from: try await body(request))
        let table = try settings.table.map { id throws(RequestError) in try runs.table(id) }
        let session = try asBadRequest { try PlaygroundSession(settings, table: table) }
        let run = runs.add(session)
        return try json(RunInfo(id: run.id, session: session), status: .created)
    }

    /// `GET /api/runs/ID`: the run's settings and examples.
    @Sendable func info(_ request: Request, context: Context) throws -> Response {
        let run = try runNamed(by: context)
        return try json(run.withSession { RunInfo(id: run.id, session: $0) })
    }

    /// `GET /api/runs/ID/events`: a snapshot at each change.
    @Sendable func events(_ request: Request, context: Context) throws -> Response {
        let run = try runNamed(by: context)
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody(asyncSequence: run.subscribe()))
    }

    /// `POST /api/runs/ID/play?rate=R`: trains on the server, R mini-batches a second (none: flat out).
    @Sendable func play(_ request: Request, context: Context) throws -> Response {
        let run = try runNamed(by: context)
        let rate = try request.uri.queryParameters.get("rate").map { text throws(RequestError) in
            guard let rate = Double(text), rate.isFinite, rate > 0 else {
                throw RequestError(.badRequest, "rate '\(text.prefix(32))': expected mini-batches a second, a positive number")
            }
            return rate
        }
        run.play(rate: rate)
        return jsonResponse("{\"playing\":true}")
    }

    /// `POST /api/runs/ID/pause`.
    @Sendable func pause(_ request: Request, context: Context) throws -> Response {
        try runNamed(by: context).pause()
        return jsonResponse("{\"playing\":false}")
    }

    /// `POST /api/runs/ID/step?batches=N`: N mini-batches, then the snapshot.
    @Sendable func step(_ request: Request, context: Context) throws -> Response {
        let run = try runNamed(by: context)
        let batches = try integer(request, "batches", default: 1, in: 1...100_000)
        return jsonResponse(try run.paused { session in
            try asBadRequest { try session.step(batches: batches) }
            return try session.snapshot().json()
        })
    }

    /// `GET /api/runs/ID/snapshot`: the run as it stands.
    @Sendable func snapshot(_ request: Request, context: Context) throws -> Response {
        let run = try runNamed(by: context)
        return jsonResponse(try run.withSession { try $0.snapshot().json() })
    }
}
#endif
