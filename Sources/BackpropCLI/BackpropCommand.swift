import ArgumentParser
import Backprop

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
}
