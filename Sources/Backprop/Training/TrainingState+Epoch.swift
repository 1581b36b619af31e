extension TrainingState {
    /// Records the finished epoch, applies early stopping and moves to the next epoch.
    /// - Throws: `BackpropError.diverged` if a parameter became NaN or ±∞.
    mutating func finishEpoch(
        _ trainer: Trainer, data: Dataset<S>, validation: Dataset<S>?, test: Dataset<S>?
    ) throws -> EpochRecord {
        if let (l, what) = network.firstNonFiniteParameter() {
            throw BackpropError.diverged(epoch: epoch, batch: batch, what: "a \(what) of layer \(l)")
        }
        let validationEvaluation = try validation.map { try network.evaluate(on: $0) }
        let testEvaluation = try test.map { try network.evaluate(on: $0) }
        let trainLoss = partialLoss / Double(data.count)
        var trainAccuracy: Double?
        if case .classes = data.targets { trainAccuracy = Double(partialCorrect) / Double(data.count) }
        let record = EpochRecord(
            epoch: epoch, learningRate: scheduler.rate,
            train: Evaluation(loss: trainLoss, accuracy: trainAccuracy, count: data.count),
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
