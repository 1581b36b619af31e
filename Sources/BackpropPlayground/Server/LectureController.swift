#if Server
import Backprop
import BackpropServer
import Hummingbird

/// The lecture view's requests under `/api/runs`: one example through the equations, one
/// step of w ← w − η ∂C/∂w on it, and the gradient check.
struct LectureController: PlaygroundController {
    let runs: PlaygroundRuns

    func addRoutes(to group: RouterGroup<PlaygroundRequestContext>) {
        group
            .get(":id/explain", use: explain)
            .post(":id/lecture-step", use: lectureStep)
            .get(":id/gradient-check", use: gradientCheck)
    }

    /// `GET /api/runs/ID/explain?example=K`: example K through the lecture's equations (`backprop explain --json`).
    @Sendable func explain(_ request: Request, context: PlaygroundRequestContext) async throws -> Response {
        let run = try runNamed(by: context)
        let example = try integer(request, "example", default: 0, in: 0...Int.max)
        return try await compute(context) {
            let explanation = try run.withSession { session in try asBadRequest { try session.explanation(example: example) } }
            return jsonResponse(try explanation.jsonString())
        }
    }

    /// `POST /api/runs/ID/lecture-step?example=K`: w ← w − η ∂C/∂w on example K, before and after.
    @Sendable func lectureStep(_ request: Request, context: PlaygroundRequestContext) async throws -> Response {
        let run = try runNamed(by: context)
        let example = try integer(request, "example", default: 0, in: 0...Int.max)
        return try await compute(context) {
            let (eta, before, after) = try run.paused { session in
                try asBadRequest {
                    let before = try session.lectureStep(example: example)
                    return (session.settings.learningRate, before, try session.explanation(example: example))
                }
            }
            return jsonResponse("{\"learning_rate\":\(eta),\"before\":\(try before.jsonString()),\"after\":\(try after.jsonString())}")
        }
    }

    /// `GET /api/runs/ID/gradient-check?example=K`: every ∂C/∂w by backpropagation and by
    /// finite differences — or, for a network of more parameters than `PlaygroundBudget`'s
    /// `maximumCheckedParameters`, an evenly spaced sample of that many (`sampled`).
    @Sendable func gradientCheck(_ request: Request, context: PlaygroundRequestContext) async throws -> Response {
        let run = try runNamed(by: context)
        let example = try integer(request, "example", default: 0, in: 0...Int.max)
        let limit = runs.workers.budget.maximumCheckedParameters
        return try await compute(context) {
            let (results, total) = try run.withSession { session in
                (try asBadRequest { try session.gradientCheck(example: example, atMost: limit) }, session.network.parameterCount)
            }
            return try json(GradientCheckAnswer(
                parameters: results, maximumRelativeError: results.map(\.relativeError).max() ?? 0,
                parameterCount: total, sampled: results.count < total))
        }
    }
}

/// The gradient check's answer: each parameter's two derivatives, the largest relative
/// error, how many parameters the network has, and whether only a sample of them was checked.
struct GradientCheckAnswer: Encodable {
    var parameters: [GradientCheck.ParameterResult]
    var maximumRelativeError: Double
    var parameterCount: Int
    var sampled: Bool
}
#endif
