import Testing
@testable import Backprop

/// Expects `actual` ≈ `expected` element-wise within a relative tolerance (absolute near
/// zero), reporting the largest difference and where it is.
func expectClose(
    _ actual: [Double], _ expected: [Double], tolerance: Double = 1e-12, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.count == expected.count else {
        Issue.record("\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    var worst = 0.0, worstIndex = 0
    for i in actual.indices {
        let error = abs(actual[i] - expected[i]) / max(1, abs(expected[i]))
        if error > worst { (worst, worstIndex) = (error, i) }
    }
    #expect(
        worst <= tolerance,
        "\(what): largest difference \(worst) at index \(worstIndex): \(actual.isEmpty ? 0 : actual[worstIndex]) vs \(expected.isEmpty ? 0 : expected[worstIndex])",
        sourceLocation: sourceLocation)
}

extension Matrix {
    var doubles: [Double] { elements.map { Double($0) } }
}
