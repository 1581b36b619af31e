/// What a model predicts.
public enum LearningTask: String, Codable, CaseIterable, Sendable {
    /// The labels are classes; the network predicts one of them.
    case classification
    /// The labels are real numbers; the network predicts one value per example.
    case regression
}

/// How the label column's text maps to network targets.
public struct LabelEncoding: Codable, Equatable, Sendable {
    /// Classification or regression.
    public let task: LearningTask
    /// For classification: the class names; class index i means `classNames[i]`.
    public let classNames: [String]

    /// Most distinct integer labels still read as classes when no task is given.
    public static let maximumInferredClasses = 20

    /// An encoding for `task` with these classes (none for regression).
    ///
    /// A classifier has at least two classes, each named once and none empty: with one
    /// class there is nothing to predict, a repeated name would make two outputs mean the
    /// same label, and an empty one could not be told from a missing label.
    /// - Throws: `BackpropError.invalidArchitecture` for fewer than two classes or a repeated
    ///   or empty class name in classification, or class names in regression.
    public init(task: LearningTask, classNames: [String] = []) throws {
        switch task {
        case .classification:
            guard classNames.count >= 2 else {
                throw BackpropError.invalidArchitecture(
                    "a classifier needs at least 2 classes, got \(classNames.count)\(classNames.first.map { " ('\($0)')" } ?? "")")
            }
            if let empty = classNames.firstIndex(of: "") {
                throw BackpropError.invalidArchitecture("class name \(empty + 1) of \(classNames.count) is empty")
            }
            var seen = Set<String>()
            if let repeated = classNames.first(where: { !seen.insert($0).inserted }) {
                throw BackpropError.invalidArchitecture("class name '\(repeated)' appears more than once")
            }
        case .regression:
            guard classNames.isEmpty else {
                throw BackpropError.invalidArchitecture("a regression model has no class names, got \(classNames.count)")
            }
        }
        self.task = task
        self.classNames = classNames
    }

    /// Decodes an encoding and checks it as `init(task:classNames:)` does.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            task: container.decode(LearningTask.self, forKey: .task),
            classNames: container.decodeIfPresent([String].self, forKey: .classNames) ?? [])
    }

    /// Infers the task and classes from training labels, as scikit-learn users expect:
    /// text labels, or at most 20 distinct integers, mean classification; other numbers
    /// mean regression. Classes are sorted (numerically when all are numbers).
    /// - Throws: `DataError` for an empty label, regression with non-numeric labels or
    ///   classification with one class.
    public static func infer(from labels: [String], task: LearningTask?, path: String, column: String) throws -> LabelEncoding {
        if let row = labels.firstIndex(of: "") {
            throw DataError.malformed(path: path, location: "line \(row + 2), column '\(column)'", message: "the label is empty")
        }
        let numbers = labels.compactMap { Double($0) }.filter(\.isFinite)
        let allNumeric = numbers.count == labels.count
        let distinct = Set(labels)
        let integral = allNumeric && numbers.allSatisfy { $0 == $0.rounded() }
        let resolved = task ?? (!allNumeric || (integral && distinct.count <= maximumInferredClasses)
            ? .classification : .regression)
        switch resolved {
        case .regression:
            if let row = labels.firstIndex(where: { !(Double($0)?.isFinite ?? false) }) {
                throw DataError.malformed(
                    path: path, location: "line \(row + 2), column '\(column)'",
                    message: "regression label '\(labels[row])' is not a finite number")
            }
            return try LabelEncoding(task: .regression)
        case .classification:
            let names = allNumeric
                ? distinct.sorted { (Double($0) ?? 0) < (Double($1) ?? 0) } : distinct.sorted()
            guard names.count >= 2 else {
                throw DataError.malformed(
                    path: path, location: "column '\(column)'",
                    message: "only one class ('\(names.first ?? "")'); classification needs at least 2")
            }
            return try LabelEncoding(task: .classification, classNames: names)
        }
    }

    /// The targets for these labels.
    /// - Throws: `DataError` naming the line of a label that is not one of the classes or not a number.
    public func targets<S: Scalar>(_ labels: [String], path: String, column: String) throws -> Targets<S> {
        try targets(labels, path: path, column: column, line: nil)
    }

    /// The targets for these labels, errors naming the line of label i as `line` says
    /// (default: line i + 2).
    func targets<S: Scalar>(_ labels: [String], path: String, column: String, line: ((Int) -> String)?) throws -> Targets<S> {
        let line = line ?? { "line \($0 + 2)" }
        switch task {
        case .classification:
            let index = Dictionary(classNames.enumerated().map { ($1, $0) }) { first, _ in first }
            var classes: [Int] = []
            classes.reserveCapacity(labels.count)
            for (row, label) in labels.enumerated() {
                guard let c = index[label] ?? numericMatch(label, index) else {
                    throw DataError.malformed(
                        path: path, location: "\(line(row)), column '\(column)'",
                        message: "label '\(label)' is not one of the classes \(classNames.joined(separator: ", "))")
                }
                classes.append(c)
            }
            return .classes(classes)
        case .regression:
            var values: [S] = []
            for (row, label) in labels.enumerated() {
                guard let value = Double(label), value.isFinite else {
                    throw DataError.malformed(
                        path: path, location: "\(line(row)), column '\(column)'",
                        message: "label '\(label)' is not a finite number")
                }
                values.append(S(value))
            }
            return .values(try Matrix(rows: values.count, columns: 1, elements: values))
        }
    }

    /// "1.0" matches the class "1".
    private func numericMatch(_ label: String, _ index: [String: Int]) -> Int? {
        guard let value = Double(label) else { return nil }
        return classNames.firstIndex { Double($0) == value }
    }
}
