/// One of `count` parts of a data file, the part a rank of a distributed run reads alone
/// (`train --distributed --shard-data`), so that the memory each rank holds for the data
/// falls with the number of ranks.
///
/// Part i of an IDX file holds its examples ⌊n·i/count⌋ ..< ⌊n·(i+1)/count⌋; part i of a
/// CSV table holds the lines that start within bytes ⌊B·i/count⌋ ..< ⌊B·(i+1)/count⌋ of
/// the B bytes after its header row (a file split at line starts, as Hadoop and Spark split
/// text), each part read with the header row. A quoted cell holding a line break must not
/// span such a boundary.
public struct DataShard: Equatable, Sendable {
    /// The part, 0 ..< `count` (a rank).
    public let index: Int
    /// The number of parts (the ranks).
    public let count: Int

    /// Part `index` of `count`.
    /// - Throws: `BackpropError.invalidHyperparameter` unless 0 ≤ index < count.
    public init(_ index: Int, of count: Int) throws {
        guard count >= 1, (0..<count).contains(index) else {
            throw BackpropError.invalidHyperparameter(
                name: "data shard", value: "\(index) of \(count)", expected: "a part 0 ..< count of count ≥ 1 parts")
        }
        (self.index, self.count) = (index, count)
    }

    private init(unchecked index: Int, of count: Int) {
        (self.index, self.count) = (index, count)
    }

    /// The whole file: part 0 of 1.
    public static let whole = DataShard(unchecked: 0, of: 1)

    /// This part's share ⌊total·index/count⌋ ..< ⌊total·(index+1)/count⌋ of `total` items.
    public func range(of total: Int) -> Range<Int> {
        bound(index, of: total) ..< bound(index + 1, of: total)
    }

    /// ⌊total·i/count⌋ without overflow.
    private func bound(_ i: Int, of total: Int) -> Int {
        count.dividingFullWidth(total.multipliedFullWidth(by: i)).quotient
    }

    /// How errors name this part: "part 2 of 4" (1-based, as a person counts ranks).
    var name: String { "part \(index + 1) of \(count)" }
}
