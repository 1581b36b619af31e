extension TrainingState {
    /// Records the finished epoch of `examples` (over every process), with the validation
    /// and test sets' evaluations, applies early stopping and moves to the next epoch.
    /// - Throws: `BackpropError.diverged` if a parameter became NaN or ±∞.
    mutating func finishEpoch(
        _ trainer: Trainer, examples: Int, classes: Bool, validation validationEvaluation: Evaluation?,
        test testEvaluation: Evaluation?
    ) throws -> EpochRecord {
        if let (l, what) = network.firstNonFiniteParameter() {
            throw BackpropError.diverged(epoch: epoch, batch: batch, what: "a \(what) of layer \(l)")
        }
        let trainLoss = partialLoss / Double(examples)
        let trainAccuracy = classes ? Double(partialCorrect) / Double(examples) : nil
        let record = EpochRecord(
            epoch: epoch, learningRate: scheduler.rate,
            train: Evaluation(loss: trainLoss, accuracy: trainAccuracy, count: examples),
            validation: validationEvaluation, test: testEvaluation, seconds: partialSeconds)
        history.epochs.append(record)
        history.bestEpoch = epoch
        let monitored = validationEvaluation?.loss ?? trainLoss
        previousLoss = monitored
        if let stopping = trainer.earlyStopping {
            if monitored < (best?.loss ?? .infinity) - stopping.minimumImprovement {
                best = BestEpoch(loss: monitored, epoch: epoch, network: network)
            } else if let best, epoch - best.epoch >= stopping.patience {
                if stopping.restoresBestWeights {
                    network = best.network
                    history.bestEpoch = best.epoch
                }
                history.stoppedEarly = true
                isFinished = true
            }
        }
        epoch += 1
        batch = 0
        partialLoss = 0
        partialCorrect = 0
        partialSeconds = 0
        if epoch > trainer.epochs { isFinished = true }
        return record
    }
}
