/// The labels of a streamed file, gathered one at a time for `LabelEncoding.infer`: the
/// distinct labels (with numbers only, at most one more than `maximumInferredClasses`, so
/// that real-valued regression targets are not all held), whether all are numbers and
/// whether all are integers.
struct LabelSurvey {
    let task: LearningTask?
    private var distinct = Set<String>()
    private var allNumeric = true
    private var overflowed = false

    init(task: LearningTask?) {
        self.task = task
    }

    /// Adds one label, found at `location` of `path`.
    /// - Throws: `DataError` for an empty label, or a regression label that is not a number.
    mutating func add(_ label: String, path: String, location: @autoclosure () -> String) throws {
        guard !label.isEmpty else {
            throw DataError.malformed(path: path, location: location(), message: "the label is empty")
        }
        let numeric = Double(label)?.isFinite ?? false
        if task == .regression {
            guard numeric else {
                throw DataError.malformed(path: path, location: location(), message: "regression label '\(label)' is not a finite number")
            }
            return
        }
        allNumeric = allNumeric && numeric
        guard !distinct.contains(label) else { return }
        if task == .classification || !allNumeric || distinct.count <= LabelEncoding.maximumInferredClasses {
            distinct.insert(label)
        } else {
            overflowed = true
        }
    }

    /// The encoding `LabelEncoding.infer` gives for all the labels added.
    /// - Throws: `DataError` as `infer` does, or when more than `maximumInferredClasses`
    ///   numbers were followed by text, so that the classes were not all kept.
    func encoding(path: String, column: String) throws -> LabelEncoding {
        if task == .regression { return try LabelEncoding(task: .regression) }
        guard !(overflowed && !allNumeric) else {
            throw DataError.malformed(
                path: path, location: "column '\(column)'",
                message: "more than \(LabelEncoding.maximumInferredClasses) distinct numbers, then text labels: name the task (classification)")
        }
        return try LabelEncoding.infer(from: distinct.sorted(), task: task, path: path, column: column)
    }
}

/// Encodes labels one at a time as `LabelEncoding.targets` encodes them all: a class index,
/// or a regression value.
struct LabelEncoder: Sendable {
    let encoding: LabelEncoding
    private let index: [String: Int]

    init(_ encoding: LabelEncoding) {
        self.encoding = encoding
        index = Dictionary(encoding.classNames.enumerated().map { ($1, $0) }) { first, _ in first }
    }

    /// The target of `label` (at `location` of `path`, in `column`): its class index, or value.
    /// - Throws: `DataError` naming the location of a label that is not a class, or not a number.
    func target(_ label: String, path: String, column: String, location: @autoclosure () -> String) throws -> Double {
        switch encoding.task {
        case .classification:
            if let c = index[label] { return Double(c) }
            let location = location()
            let targets: Targets<Double> = try encoding.targets([label], path: path, column: column, line: { _ in location })
            guard case .classes(let classes) = targets, let c = classes.first else { return 0 }
            return Double(c)
        case .regression:
            guard let value = Double(label), value.isFinite else {
                throw DataError.malformed(
                    path: path, location: "\(location()), column '\(column)'", message: "label '\(label)' is not a finite number")
            }
            return value
        }
    }
}
