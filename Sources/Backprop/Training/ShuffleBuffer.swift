/// A `DataStream` being trained on: its file read in order into a buffer of min(N, n)
/// examples, scaled and encoded as they are read, from which each batch draws slots at
/// random (see `DataStream`). The buffer is allocated once; a batch is copied into the rows
/// of a window `Dataset` that the training step loads as it loads held data.
final class ShuffleBuffer<S: Scalar> {
    let stream: DataStream<S>
    /// The slots: min(N, n).
    let capacity: Int
    private let width: Int
    private let inputs: UnsafeMutablePointer<S>
    private let targets: UnsafeMutablePointer<Double>
    private let shift: [S], inverse: [S]
    private let encoder: LabelEncoder
    private var reader: ExampleReader<S>?
    /// The slots holding examples not yet taken: 0 ..< filled.
    private var filled = 0
    /// The examples taken in this epoch.
    private var taken = 0
    private var random = RandomSource(seed: 0)

    init(_ stream: DataStream<S>) {
        self.stream = stream
        capacity = Swift.min(stream.bufferSize, stream.count)
        width = stream.inputSize
        inputs = .allocate(capacity: capacity * width)
        inputs.initialize(repeating: 0, count: capacity * width)
        targets = .allocate(capacity: capacity)
        targets.initialize(repeating: 0, count: capacity)
        let scaler = stream.encoding.scaler
        (shift, inverse) = (scaler.shift.map { S($0) }, scaler.scale.map { 1 / S($0) })
        encoder = LabelEncoder(stream.encoding.labels)
    }

    deinit {
        inputs.deallocate()
        targets.deallocate()
    }

    /// Starts an epoch whose draws come from a generator seeded with `seed`: reopens the file
    /// and fills the buffer with its first examples.
    /// - Throws: `DataError` for a file that cannot be read or a malformed example.
    func restart(seed: UInt64) throws {
        reader = try ExampleReader(stream.path, options: stream.file)
        random = RandomSource(seed: seed)
        (filled, taken) = (0, 0)
        while filled < capacity, try read(into: filled) { filled += 1 }
    }

    /// Takes the next `m` examples into rows 0 ..< m of `window`.
    /// - Throws: `DataError` for a malformed example, or a file changed since the survey.
    func next(_ m: Int, into window: inout Dataset<S>) throws {
        var classes: [Int] = [], values = Matrix<S>(rows: 0, columns: 1)
        switch window.targets {  // taken out, so that they are changed in place
        case .classes(let labels): classes = labels
        case .values(let matrix): values = matrix
        }
        window.targets = .classes([])
        defer { window.targets = values.rows > 0 ? .values(values) : .classes(classes) }
        for r in 0..<m {
            let j = try draw()
            window.inputs.withMutablePointer { x in copyValues(width, from: inputs + j * width, to: x + r * width) }
            if values.rows > 0 { values.withMutablePointer { $0[r] = S(targets[j]) } } else { classes[r] = Int(targets[j]) }
            try replace(j)
        }
    }

    /// Takes `count` examples and drops them: the draws a resumed run has already trained on.
    func skip(_ count: Int) throws {
        for _ in 0..<count { try replace(try draw()) }
    }

    /// The slot the next example is taken from, uniformly among those filled.
    private func draw() throws -> Int {
        guard filled > 0 else { throw changed() }
        return random.integer(below: filled)
    }

    /// Refills slot j, just taken, with the file's next example, or once the file is read
    /// moves the last filled slot into it.
    private func replace(_ j: Int) throws {
        taken += 1
        if try !read(into: j) {
            filled -= 1
            copyValues(width, from: inputs + filled * width, to: inputs + j * width)
            targets[j] = targets[filled]
        }
        if taken == stream.count, filled > 0 { throw changed() }
    }

    /// Reads the file's next example into `slot`, scaled and encoded.
    /// - Returns: false at the end of the file.
    private func read(into slot: Int) throws -> Bool {
        guard let reader else { return false }
        let x = inputs + slot * width
        guard let label = try reader.next(into: x) else { return false }
        if stream.encoding.scaler.kind != .none {
            shift.withUnsafeBufferPointer { s in
                inverse.withUnsafeBufferPointer { r in shiftAndScale(x, s.baseAddress!, r.baseAddress!, width) }
            }
        }
        targets[slot] = try encoder.target(
            label, path: stream.path, column: stream.encoding.labelName ?? "label", location: reader.location)
        return true
    }

    /// The error for a file whose examples are no longer the `n` counted when it was surveyed.
    private func changed() -> DataError {
        DataError.malformed(
            path: stream.path, location: "data",
            message: "the file changed while training: it held \(stream.count) examples when training started, now \(taken < stream.count ? "fewer" : "more")")
    }
}
