extension Evaluation {
    /// The evaluation of every rank's examples together, from each rank's evaluation of its
    /// own part: the costs, correct counts and counts summed across ranks (every rank of
    /// `communicator` calls this together). `classes`: whether the targets are classes.
    public func summed(over communicator: any Communicator, classes: Bool) throws -> Evaluation {
        let n = Double(count)
        let sums = try communicator.sum([loss * n, ((accuracy ?? 0) * n).rounded(), n])
        let total = sums[2]
        return Evaluation(
            loss: total > 0 ? sums[0] / total : 0, accuracy: classes ? (total > 0 ? sums[1] / total : 0) : nil,
            count: Int(total))
    }
}
