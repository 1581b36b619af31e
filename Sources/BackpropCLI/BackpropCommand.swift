import ArgumentParser
import Backprop
import Foundation

@main
struct BackpropCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backprop",
        abstract: "Feed-forward neural networks trained by backpropagation.",
        subcommands: [
            TrainCommand.self, EvaluateCommand.self, PredictCommand.self, SummaryCommand.self, ExportCommand.self,
            GradcheckCommand.self, ExplainCommand.self,
        ]
    )

    /// Runs the command line. Exit status: 0 on success, 1 for an error while running (a
    /// file, a failed check), 2 for a usage error (as `getopt`-style tools and Python's
    /// argparse do; ArgumentParser's own default is 64), 128 + N after signal N.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }
}
