import ArgumentParser
import Backprop

/// Flags that say how `train` optimizes.
struct OptimizationOptions: ParsableArguments {
    enum ScheduleName: String, ExpressibleByArgument, CaseIterable {
        case constant, step, exponential, cosine, plateau
    }

    @Option(help: "Optimizer: \(OptimizerKind.names) (momentum: sgd with μ = 0.9).")
    var optimizer: OptimizerKind = .adam

    @Option(help: "Learning rate η (default: 0.01 for sgd and momentum, 0.001 otherwise).")
    var learningRate: Double?

    @Option(help: "Momentum μ for sgd, 0 ≤ μ < 1 (default: 0; 0.9 for momentum).")
    var momentum: Double?

    @Flag(help: "Nesterov momentum for sgd.")
    var nesterov = false

    @Option(help: "L2 weight decay λ ≥ 0 (decoupled for adamw, default 0.01 there).")
    var weightDecay: Double?

    @Option(help: "Examples per mini-batch (default: 32, or every example when there are fewer).")
    var batchSize: Int?

    @Option(help: "Passes over the training data (default: enough for about 20,000 steps, 10 to 200 epochs, stopping early once the loss stops improving).")
    var epochs: Int?

    @Option(help: "Stop after this many epochs without improvement of the validation loss (training loss without validation data), restoring the best weights.")
    var earlyStopping: Int?

    @Option(help: "Learning-rate schedule: constant, step, exponential, cosine or plateau.")
    var schedule: ScheduleName = .constant

    @Option(help: "Factor for the step, exponential and plateau schedules, 0 < f ≤ 1 (default 0.1; 0.95 for exponential).")
    var scheduleFactor: Double?

    @Option(help: "Epochs per step of the step schedule, and patience of the plateau schedule.")
    var scheduleStep = 10

    @Option(help: "Scale gradients down to this global norm when larger.")
    var clipNorm: Double?

    @Option(help: "Matrix products of forward and backward propagation: fp32, or bf16 (inputs rounded to bfloat16, sums in float32; weights, gradients and optimizer state stay float32).")
    var precision: Precision = .float32

    func check() throws {
        if let learningRate, !(learningRate > 0 && learningRate.isFinite) {
            throw ValidationError("--learning-rate must be a finite number > 0, got \(learningRate)")
        }
        if let momentum, !(momentum >= 0 && momentum < 1) {
            throw ValidationError("--momentum must be at least 0 and below 1, got \(momentum)")
        }
        if nesterov, !optimizer.takesMomentum || configuration.momentum == 0 {
            throw ValidationError("--nesterov needs --optimizer sgd and a --momentum above 0")
        }
        if let weightDecay, !(weightDecay >= 0 && weightDecay.isFinite) {
            throw ValidationError("--weight-decay must be a finite number ≥ 0, got \(weightDecay)")
        }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if let earlyStopping, earlyStopping < 1 {
            throw ValidationError("--early-stopping must be at least 1 epoch, got \(earlyStopping)")
        }
        if let scheduleFactor, !(scheduleFactor > 0 && scheduleFactor <= 1) {
            throw ValidationError("--schedule-factor must be above 0 and at most 1, got \(scheduleFactor)")
        }
        guard scheduleStep >= 1 else { throw ValidationError("--schedule-step must be at least 1, got \(scheduleStep)") }
        if let clipNorm, !(clipNorm > 0 && clipNorm.isFinite) {
            throw ValidationError("--clip-norm must be a finite number > 0, got \(clipNorm)")
        }
    }

    /// The optimizer the flags describe.
    var configuration: OptimizerConfiguration {
        optimizer.configuration(learningRate: learningRate, momentum: momentum, nesterov: nesterov, weightDecay: weightDecay)
    }

    /// The trainer; without --epochs, about 20,000 optimizer steps (10 to 200 epochs) with
    /// early stopping after 10 epochs without improvement, as scikit-learn's MLP defaults do.
    func makeTrainer(examples: Int, seed: UInt64) -> Trainer {
        let batchSize = self.batchSize ?? min(32, max(1, examples))
        let batches = max(1, (examples + batchSize - 1) / batchSize)
        let automatic = epochs == nil
        let count = epochs ?? min(200, max(10, (20_000 + batches - 1) / batches))
        var stopping = earlyStopping.map { EarlyStopping(patience: $0) }
        if automatic, stopping == nil { stopping = EarlyStopping(patience: 10) }
        let plan: LearningRateSchedule
        switch schedule {
        case .constant: plan = .constant
        case .step: plan = .step(every: scheduleStep, factor: scheduleFactor ?? 0.1)
        case .exponential: plan = .exponential(factor: scheduleFactor ?? 0.95)
        case .cosine: plan = .cosine(epochs: count)
        case .plateau: plan = .reduceOnPlateau(factor: scheduleFactor ?? 0.1, patience: scheduleStep)
        }
        var trainer = Trainer(
            epochs: count, batchSize: batchSize, optimizer: configuration, seed: seed, schedule: plan, earlyStopping: stopping)
        trainer.clipNorm = clipNorm
        trainer.precision = precision
        return trainer
    }

    /// The settings of `optimizer` and these flags, by name, for people (`backprop summary`).
    func settings(_ optimizer: OptimizerConfiguration) -> [String: String] {
        var result = ["optimizer": optimizer.name, "learning_rate": "\(optimizer.learningRate)"]
        if optimizer.momentum > 0 { result["momentum"] = "\(optimizer.momentum)" }
        if nesterov { result["nesterov"] = "true" }
        if let weightDecay { result["weight_decay"] = "\(weightDecay)" }
        result["schedule"] = schedule.rawValue
        if let clipNorm { result["clip_norm"] = "\(clipNorm)" }
        if precision != .float32 { result["precision"] = precision.rawValue }
        return result
    }
}
