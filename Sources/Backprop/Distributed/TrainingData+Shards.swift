extension TrainingData {
    /// This rank's part of the data file `path` (`DataShard(rank, of: size)`), prepared as
    /// `load(_:options:)` prepares a whole file and in agreement with the other ranks of
    /// `communicator`, which call this together: the label encoding is inferred from the
    /// labels of every part, the feature scaling fitted on the training examples of every
    /// part (its sums taken across ranks), and a validation fraction held out of each part.
    /// Each rank holds only its part (`train --distributed --shard-data`).
    /// - Throws: `DataError` for an unreadable or malformed part, `BackpropError` for a
    ///   validation fraction that leaves either side of a part empty; what `communicator` throws.
    public static func load(
        _ path: String, options: TrainingDataOptions = TrainingDataOptions(), shardedOver communicator: any Communicator
    ) throws -> TrainingData {
        let part = try options.part(communicator.rank, of: communicator.size)
        let raw = try RawExamples<S>.read(path, options: part.file)
        let labels = try LabelEncoding.agreed(on: raw, task: options.task, over: communicator)
        let scaling = options.scaling ?? (raw.input == .images ? .none : .standardize)
        return try prepare(raw, labels: labels, options: part) { training in
            try FeatureScaler.fit(scaling, to: training, over: communicator)
        }
    }
}

extension Model {
    /// This rank's part of the training data file `path`, read as this model was trained
    /// (see `trainingData(reading:options:)`) and held out as `load(_:options:shardedOver:)`
    /// holds it out: to continue a checkpoint's sharded run.
    public func trainingData(reading path: String, options: TrainingDataOptions, shardedOver communicator: any Communicator) throws -> TrainingData<S> {
        try trainingData(reading: path, options: options.part(communicator.rank, of: communicator.size))
    }
}

extension TrainingDataOptions {
    /// These options for part `rank` of `ranks` of the file: its own validation split seed.
    func part(_ rank: Int, of ranks: Int) throws -> TrainingDataOptions {
        var part = self
        part.file.requiresLabels = true
        part.file.shard = try DataShard(rank, of: ranks)
        part.seed = seed ^ UInt64(rank) &* 0x9E37_79B9_7F4A_7C15
        return part
    }
}

extension LabelEncoding {
    /// The encoding `infer` gives for the labels of every rank's part together (their
    /// distinct labels gathered), after this part's labels are checked with their lines.
    static func agreed<S>(on part: RawExamples<S>, task: LearningTask?, over communicator: any Communicator) throws -> LabelEncoding {
        let labels = part.labels ?? [], column = part.labelName ?? "label"
        let line = part.lines?.line ?? { "line \($0 + 2)" }
        if let row = labels.firstIndex(of: "") {
            throw DataError.malformed(path: part.path, location: "\(line(row)), column '\(column)'", message: "the label is empty")
        }
        if task == .regression {
            let _: Targets<Double> = try LabelEncoding(task: .regression).targets(labels, path: part.path, column: column, line: line)
        }
        let everyPart = try communicator.allGather(Set(labels).sorted())
        return try infer(from: Set(everyPart.joined()).sorted(), task: task, path: part.path, column: column)
    }
}

extension FeatureScaler {
    /// The scaler `fit(kind, to:)` gives for the rows of every rank's `data` together: the
    /// count and column sums (then, to standardize, the squared deviations from the mean)
    /// summed across ranks, the minima and maxima gathered.
    static func fit<S: Scalar>(_ kind: Kind, to data: Matrix<S>, over communicator: any Communicator) throws -> FeatureScaler {
        guard communicator.size > 1 else { return fit(kind, to: data) }
        let n = data.rows, d = data.columns
        guard kind != .none else { return identity(count: d) }
        let column = { (j: Int) in (0..<n).lazy.map { Double(data[$0, j]) } }
        let sums = try communicator.sum((0..<d).map { column($0).reduce(0, +) } + [Double(n)])
        let count = sums[d]
        guard count > 0 else { return identity(count: d) }
        let mean = sums[0..<d].map { $0 / count }
        var shift = mean, scale: [Double]
        switch kind {
        case .standardize:
            let squares = try communicator.sum((0..<d).map { j in column(j).reduce(0) { $0 + ($1 - mean[j]) * ($1 - mean[j]) } })
            scale = squares.map { ($0 / count).squareRoot() }
        default:
            let low = (0..<d).map { column($0).reduce(Double.infinity, Swift.min) }
            let high = (0..<d).map { column($0).reduce(-Double.infinity, Swift.max) }
            let everyRank = try communicator.allGather(low + high)
            shift = (0..<d).map { j in everyRank.map { $0[j] }.reduce(Double.infinity, Swift.min) }
            scale = (0..<d).map { j in everyRank.map { $0[d + j] }.reduce(-Double.infinity, Swift.max) - shift[j] }
        }
        return FeatureScaler(kind: kind, uncheckedShift: shift, scale: scale.map { $0 > 0 && $0.isFinite ? $0 : 1 })
    }
}
