#if Server
import Backprop
import BackpropServer
import Hummingbird

/// The lecture view's requests under `/api/runs`: one example through the equations, one
/// step of w ← w − η ∂C/∂w on it, and the gradient check.
struct LectureController<Context: RequestContext>: PlaygroundController {
    let runs: PlaygroundRuns

    func addRoutes(to group: RouterGroup<Context>) {
        group
            .get(":id/explain", use: explain)
            .post(":id/lecture-step", use: lectureStep)
            .get(":id/gradient-check", use: gradientCheck)
    }

    /// `GET /api/runs/ID/explain?example=K`: example K through the lecture's equations (`backprop explain --json`).
    @Sendable func explain(_ request: Request, context: Context) throws -> Response {
        let run = try runNamed(by: context)
        let example = try integer(request, "example", default: 0, in: 0...Int.max)
        let explanation = try run.withSession { session in try asBadRequest { try session.explanation(example: example) } }
        return jsonResponse(try explanation.jsonString())
    }

    /// `POST /api/runs/ID/lecture-step?example=K`: w ← w − η ∂C/∂w on example K, before and after.
    @Sendable func lectureStep(_ request: Request, context: Context) throws -> Response {
        let run = try runNamed(by: context)
        let example = try integer(request, "example", default: 0, in: 0...Int.max)
        let (eta, before, after) = try run.paused { session in
            try asBadRequest {
                let before = try session.lectureStep(example: example)
                return (session.settings.learningRate, before, try session.explanation(example: example))
            }
        }
        return jsonResponse("{\"learning_rate\":\(eta),\"before\":\(try before.jsonString()),\"after\":\(try after.jsonString())}")
    }

    /// `GET /api/runs/ID/gradient-check?example=K`: every ∂C/∂w by backpropagation and by finite differences.
    @Sendable func gradientCheck(_ request: Request, context: Context) throws -> Response {
        let run = try runNamed(by: context)
        let example = try integer(request, "example", default: 0, in: 0...Int.max)
        let results = try run.withSession { session in try asBadRequest { try session.gradientCheck(example: example) } }
        return try json(GradientCheckAnswer(parameters: results, maximumRelativeError: results.map(\.relativeError).max() ?? 0))
    }
}

/// The gradient check's answer: each parameter's two derivatives, and the largest relative error.
struct GradientCheckAnswer: Encodable {
    var parameters: [GradientCheck.ParameterResult]
    var maximumRelativeError: Double
}
#endif
