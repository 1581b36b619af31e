// A program that uses the Backprop library alone (no command line), run by LibraryResumeTests
// in fresh processes: it trains on a CSV file with a validation split and early stopping,
// and can stop after some steps with a checkpoint, or continue from one.
//
//   library-run whole DATA MODEL            train to the end, write the model
//   library-run pause DATA CHECKPOINT STEPS  train STEPS mini-batches, write a checkpoint
//   library-run resume DATA CHECKPOINT MODEL continue the checkpoint's run to the end
import Backprop
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(1)
}

let arguments = CommandLine.arguments
guard arguments.count >= 4 else { fail("usage: library-run whole|pause|resume DATA FILE [STEPS|MODEL]") }
let (mode, dataPath, file) = (arguments[1], arguments[2], arguments[3])

do {
    switch mode {
    case "whole", "pause":
        let options = TrainingDataOptions(validationFraction: 0.2, seed: 4)
        let data = try TrainingData<Float>.load(dataPath, options: options)
        let network = try Network<Float>(
            sizes: [data.inputSize, 16, data.outputSize(for: .crossEntropy)], activation: .relu,
            loss: .crossEntropy, seed: 4).withDropout(0.1)
        let trainer = Trainer(
            epochs: 40, batchSize: 16, optimizer: .adam(learningRate: 0.01), seed: 4,
            earlyStopping: EarlyStopping(patience: 2, minimumImprovement: 0.01))
        var model = try data.model(of: network, training: TrainingRecord(
            settings: [:], trainer: trainer, validationFraction: options.validationFraction, history: TrainingHistory()))
        var session = try TrainingSession(trainer: trainer, network: network, data: data.training, validation: data.validation)
        if mode == "whole" {
            try session.run()
            model.network = session.network
            model.training?.history = session.state.history
            try ModelFile.write(model, to: file)
        } else {
            guard arguments.count == 5, let steps = Int(arguments[4]) else { fail("pause needs a step count") }
            for _ in 0..<steps { _ = try session.step() }
            try CheckpointFile.write(session.checkpoint(model: model), to: file)
        }
    case "resume":
        guard arguments.count == 5 else { fail("resume needs a model path") }
        let checkpoint: Checkpoint<Float> = try CheckpointFile.read(from: file)
        let data = try checkpoint.model.trainingData(reading: dataPath, options: TrainingDataOptions(
            validationFraction: checkpoint.model.training?.validationFraction, seed: checkpoint.trainer.seed))
        var session = try checkpoint.resume(on: data.training, validation: data.validation)
        try session.run()
        var model = checkpoint.model
        model.network = session.network
        model.training?.history = session.state.history
        try ModelFile.write(model, to: arguments[4])
    default:
        fail("unknown mode \(mode)")
    }
} catch {
    fail("\(error)")
}
