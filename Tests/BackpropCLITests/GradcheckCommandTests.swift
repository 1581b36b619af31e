import Testing

@Suite struct GradcheckCommandTests {
    @Test(arguments: ["identity", "sigmoid", "tanh", "relu", "leaky-relu"])
    func passesOnEveryActivation(_ activation: String) throws {
        let result = try backprop("gradcheck", "--layers", "4,5,3", "--activation", activation, "--loss", "cross-entropy")
        #expect(result.status == 0, "\(result.output)\(result.error)")
        #expect(result.output.contains("PASSED"))
        // One line per layer with its shape.
        #expect(result.output.contains("5×4") && result.output.contains("3×5"))
    }

    @Test func failsAboveTheTolerance() throws {
        let result = try backprop("gradcheck", "--layers", "3,4,2", "--tolerance", "1e-30")
        #expect(result.status == 1)
        #expect(result.output.contains("FAILED"))
    }

    @Test(arguments: [
        ["--layers", "3,0,2"],
        ["--layers", "3"],
        ["--layers", "3,x,2"],
        ["--layers", "3,4,2", "--activation", "swish"],
        ["--layers", "3,4,2", "--loss", "hinge"],
        ["--layers", "3,4,2", "--batch-size", "0"],
        ["--layers", "3,4,2", "--loss", "cross-entropy", "--output-activation", "tanh"],
    ])
    func badFlagsGiveAOneLineError(_ flags: [String]) throws {
        let result = try backprop(["gradcheck"] + flags)
        #expect(result.status != 0 && result.status < 128)
        #expect(!result.error.isEmpty)
        // The message names the flag at fault.
        #expect(result.error.contains(flags[flags.count - 2]), "\(result.error)")
        #expect(!result.error.contains("Fatal error"))
    }
}
