/// A row-major matrix in memory as an operand of a matrix product: where it starts, its
/// stored shape and row stride, and whether the product reads it transposed, op(X) = Xᵀ.
public struct MatrixOperand<S: Scalar> {
    /// The address of stored element (0, 0).
    public var start: UnsafePointer<S>
    /// The stored shape.
    public var rows: Int, columns: Int
    /// Elements from one stored row to the next (`columns` for a whole matrix).
    public var rowStride: Int
    /// Whether the product reads Xᵀ rather than X.
    public var transposed: Bool

    /// A whole (rows × columns) matrix at `start`, read as itself or transposed.
    public init(_ start: UnsafePointer<S>, rows: Int, columns: Int, transposed: Bool = false) {
        (self.start, self.rows, self.columns, rowStride, self.transposed) = (start, rows, columns, columns, transposed)
    }

    /// The shape of op(X).
    var operationRows: Int { transposed ? columns : rows }
    var operationColumns: Int { transposed ? rows : columns }

    /// op(X) restricted to its rows `range`.
    func rows(_ range: Range<Int>) -> MatrixOperand {
        var part = self
        if transposed {
            (part.start, part.columns) = (start + range.lowerBound, range.count)
        } else {
            (part.start, part.rows) = (start + range.lowerBound * rowStride, range.count)
        }
        return part
    }

    /// op(X) restricted to its columns `range`.
    func columns(_ range: Range<Int>) -> MatrixOperand {
        var part = self
        part.transposed.toggle()
        part = part.rows(range)
        part.transposed.toggle()
        return part
    }
}

/// C ← α op(A) op(B) + β C (BLAS `gemm`) for row-major matrices: op(A) is (m × k), op(B)
/// is (k × n), C is (m × n). Large products split into blocks of columns of C (of rows
/// where C has few columns) that run on Backprop's helper threads at the same time.
public struct MatrixProduct<S: Scalar> {
    /// A and B, read as op(A) (m × k) and op(B) (k × n).
    public var a: MatrixOperand<S>, b: MatrixOperand<S>
    /// C, (m × n) with row stride `ldc`, updated in place.
    public var c: UnsafeMutablePointer<S>
    /// Elements from one row of C to the next.
    public var ldc: Int
    /// α and β in C ← α op(A) op(B) + β C.
    public var alpha: S, beta: S

    /// C ← α op(A) op(B) + β C into a whole (m × n) matrix C.
    public init(_ a: MatrixOperand<S>, _ b: MatrixOperand<S>, into c: UnsafeMutablePointer<S>, alpha: S = 1, beta: S = 0) {
        (self.a, self.b, self.c, ldc, self.alpha, self.beta) = (a, b, c, b.operationColumns, alpha, beta)
    }

    /// m, the rows of op(A) and of C.
    public var m: Int { a.operationRows }
    /// n, the columns of op(B) and of C.
    public var n: Int { b.operationColumns }
    /// k, the columns of op(A) and rows of op(B).
    public var k: Int { a.operationColumns }

    /// Runs the product, split over the helper threads when it is large enough. A product
    /// with one row of C (one example's forward pass, or its δ) runs as the matrix-vector
    /// product cᵀ = α op(B)ᵀ aᵀ + β cᵀ: OpenBLAS's `gemm` packs all of op(B) even for one
    /// row, where the matrix-vector product reads op(B) in place, so one example's
    /// `Model.predict` runs much faster this way (docs/performance-choices.md).
    public func run() {
        if m == 1, !a.transposed || a.rowStride == 1 {
            var matrix = b
            matrix.transposed.toggle()
            return MatrixVectorProduct(matrix, a.start, into: c, alpha: alpha, beta: beta).run()
        }
        if matrixProductEngine != .builtIn { warmUpOpenBLASBuffers() }
        inParallel(parts: split.parts, self)
    }

    /// How the product splits: into `parts` blocks of columns of C, or of rows where C has
    /// too few columns. Column blocks share the rows of op(A) and keep each block's rows
    /// long, so a large product runs faster split into column halves than into row halves
    /// (docs/performance-choices.md).
    var split: (parts: Int, byColumns: Bool) {
        let minimumBlock = 64
        let parts = parallelParts(operations: 2 * m * n * k)
        let byColumns = n >= minimumBlock * parts
        return (byColumns || m >= minimumBlock * parts ? parts : 1, byColumns)
    }

    /// Block `part` of `parts`: the product that computes its part of C (nil if empty).
    func block(_ part: Int, of parts: Int, byColumns: Bool) -> MatrixProduct? {
        let count = byColumns ? n : m
        let start = partStart(part, of: parts, count: count), end = partStart(part + 1, of: parts, count: count)
        guard end > start else { return nil }
        var block = self
        if byColumns {
            block.b = b.columns(start ..< end)
            block.c = c + start
        } else {
            block.a = a.rows(start ..< end)
            block.c = c + start * ldc
        }
        return block
    }
}

extension MatrixProduct: ParallelJob {
    func run(part: Int, of parts: Int) {
        guard let block = block(part, of: parts, byColumns: split.byColumns) else { return }
        S.multiplyOnCallingThread(block)
    }
}

/// y ← α op(A) x + β y (BLAS `gemv`) for a row-major matrix A. Large products split into
/// blocks of y that run on Backprop's helper threads at the same time.
public struct MatrixVectorProduct<S: Scalar> {
    /// A, read as op(A).
    public var a: MatrixOperand<S>
    /// x, one value per column of op(A).
    public var x: UnsafePointer<S>
    /// y, one value per row of op(A), updated in place.
    public var y: UnsafeMutablePointer<S>
    /// α and β in y ← α op(A) x + β y.
    public var alpha: S, beta: S

    /// y ← α op(A) x + β y into `y`.
    public init(_ a: MatrixOperand<S>, _ x: UnsafePointer<S>, into y: UnsafeMutablePointer<S>, alpha: S = 1, beta: S = 0) {
        (self.a, self.x, self.y, self.alpha, self.beta) = (a, x, y, alpha, beta)
    }

    /// Runs the product, split over the helper threads when A is large enough.
    public func run() {
        inParallel(parts: parallelParts(elements: a.rows * a.columns), self)
    }
}

extension MatrixVectorProduct: ParallelJob {
    func run(part: Int, of parts: Int) {
        let count = a.operationRows
        let start = partStart(part, of: parts, count: count), end = partStart(part + 1, of: parts, count: count)
        guard end > start else { return }
        var block = self
        block.a = a.rows(start ..< end)
        block.y = y + start
        S.multiplyOnCallingThread(block)
    }
}

/// y ← α x + y (BLAS `axpy`) over `count` values, split into ranges on the helper threads
/// when there are enough of them.
struct VectorUpdate<S: Scalar>: ParallelJob {
    let count: Int
    let alpha: S, x: UnsafePointer<S>, y: UnsafeMutablePointer<S>

    func run() {
        inParallel(parts: parallelParts(elements: count), self)
    }

    func run(part: Int, of parts: Int) {
        let start = partStart(part, of: parts, count: count), end = partStart(part + 1, of: parts, count: count)
        S.axpyOnCallingThread(count: end - start, alpha: alpha, x: x + start, y: y + start)
    }
}
