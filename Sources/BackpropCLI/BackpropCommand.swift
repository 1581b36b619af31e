import ArgumentParser
import Backprop
import Foundation

@main
struct BackpropCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backprop",
        abstract: "Feed-forward neural networks trained by backpropagation.",
        subcommands: [
            TrainCommand.self, EvaluateCommand.self, PredictCommand.self, SummaryCommand.self, ExportCommand.self,
            GradcheckCommand.self, ExplainCommand.self,
        ] + serverCommands
    )

    #if Server
    static let serverCommands: [any ParsableCommand.Type] = [ServeCommand.self, PlaygroundCommand.self]
    #else
    static let serverCommands: [any ParsableCommand.Type] = []
    #endif

    /// Runs the command line. Exit status: 0 on success, 1 for an error while running (a
    /// file, a failed check), 2 for a usage error (as `getopt`-style tools and Python's
    /// argparse do; ArgumentParser's own default is 64), 128 + N after signal N.
    static func main() async {
        if let problem = matrixProductSettingsProblem() {
            FileHandle.standardError.write(Data("warning: \(problem)\n".utf8))
        }
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }
}
