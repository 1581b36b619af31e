/// A dense row-major matrix: element (i, j) is `elements[i * columns + j]`.
///
/// A mini-batch is a matrix with one example per row, so Z^(l+1) = A^l (W^l)ᵀ + 1 (b^l)ᵀ
/// is the batch form of the lecture's z^(l+1) = W^l a^l + b^l.
public struct Matrix<Element: Scalar>: Equatable, Sendable {
    /// The number of rows (one per example, for a mini-batch).
    public let rows: Int
    /// The number of columns.
    public let columns: Int
    /// The elements, row after row.
    public internal(set) var elements: [Element]

    /// A matrix whose every element is `value`.
    public init(rows: Int, columns: Int, repeating value: Element = 0) {
        self.rows = max(0, rows)
        self.columns = max(0, columns)
        self.elements = Array(repeating: value, count: self.rows * self.columns)
    }

    /// A matrix from its elements in row-major order.
    /// - Throws: `BackpropError.shapeMismatch` unless `elements.count == rows * columns`.
    public init(rows: Int, columns: Int, elements: [Element]) throws {
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard rows >= 0, columns >= 0, !overflow, elements.count == count else {
            throw BackpropError.shapeMismatch(
                what: "matrix elements", expected: "\(rows) × \(columns) values", got: "\(elements.count) values")
        }
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix from a list of equally long rows.
    /// - Throws: `BackpropError.shapeMismatch` for ragged rows.
    public init(_ rowList: [[Element]]) throws {
        let columns = rowList.first?.count ?? 0
        for (index, row) in rowList.enumerated() where row.count != columns {
            throw BackpropError.shapeMismatch(
                what: "row \(index)", expected: "\(columns) values", got: "\(row.count) values")
        }
        try self.init(rows: rowList.count, columns: columns, elements: rowList.flatMap { $0 })
    }

    /// Element (row, column), both 0-based.
    public subscript(row: Int, column: Int) -> Element {
        get { elements[row * columns + column] }
        set { elements[row * columns + column] = newValue }
    }

    /// Row `index` as an array.
    public func row(_ index: Int) -> [Element] {
        Array(elements[index * columns ..< (index + 1) * columns])
    }

    /// The rows as nested arrays (for printing and JSON).
    public var rowArrays: [[Element]] {
        (0..<rows).map(row)
    }

    /// The same matrix in another precision.
    public func converted<Other: Scalar>(to _: Other.Type = Other.self) -> Matrix<Other> {
        // The element count is unchanged, so this cannot throw.
        Matrix<Other>(unchecked: rows, columns, elements.map { Other($0) })
    }

    init(unchecked rows: Int, _ columns: Int, _ elements: [Element]) {
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// The first (row, column) holding NaN or ±∞, if any.
    public func firstNonFinite() -> (row: Int, column: Int)? {
        let count = elements.count
        guard let index = withPointer({ firstNonFiniteIndex($0, count: count) }) else { return nil }
        return (index / columns, index % columns)
    }
}

extension Matrix {
    /// Calls `body` with a pointer to the elements (a dangling but aligned one when empty).
    @inline(__always)
    func withPointer<R>(_ body: (UnsafePointer<Element>) throws -> R) rethrows -> R {
        try elements.withUnsafeBufferPointer { buffer in
            try body(buffer.baseAddress ?? UnsafePointer(emptyPointer()))
        }
    }

    /// Calls `body` with a mutable pointer to the elements.
    @inline(__always)
    mutating func withMutablePointer<R>(_ body: (UnsafeMutablePointer<Element>) throws -> R) rethrows -> R {
        try elements.withUnsafeMutableBufferPointer { buffer in
            try body(buffer.baseAddress ?? emptyPointer())
        }
    }
}

/// An aligned pointer for empty buffers, which are never read or written.
@inline(__always)
func emptyPointer<T>() -> UnsafeMutablePointer<T> {
    UnsafeMutablePointer<T>(bitPattern: MemoryLayout<T>.alignment)!  // non-zero constant: never nil
}

/// Calls `body` with a pointer to the array's elements (a dangling but aligned one when empty).
@inline(__always)
func withPointer<T, R>(_ array: [T], _ body: (UnsafePointer<T>) throws -> R) rethrows -> R {
    try array.withUnsafeBufferPointer { try body($0.baseAddress ?? UnsafePointer(emptyPointer())) }
}

/// Calls `body` with a mutable pointer to the array's elements.
@inline(__always)
func withMutablePointer<T, R>(_ array: inout [T], _ body: (UnsafeMutablePointer<T>) throws -> R) rethrows -> R {
    try array.withUnsafeMutableBufferPointer { try body($0.baseAddress ?? emptyPointer()) }
}

/// The index of the first NaN or ±∞ among `count` values, if any.
@_specialize(where S == Float)
@_specialize(where S == Double)
func firstNonFiniteIndex<S: Scalar>(_ x: UnsafePointer<S>, count: Int) -> Int? {
    // x − x is 0 for every finite x and NaN for ±∞ and NaN, so a sum of them finds a block
    // holding a non-finite value with vector arithmetic alone; the scalar loop then finds
    // the index, from that block on.
    let block = 512
    var start = 0
    while start + block <= count {
        var sum = SIMD8<S>()
        for i in stride(from: start, to: start + block, by: 8) {
            let v = x.vector8(at: i)
            sum += v - v
        }
        if !(sum.sum() == 0) { break }
        start += block
    }
    for i in start..<count where !x[i].isFinite { return i }
    return nil
}
