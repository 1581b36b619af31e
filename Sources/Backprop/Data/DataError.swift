/// A data file that cannot be read or does not hold what it should.
public enum DataError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened or read.
    case unreadable(path: String, reason: String)
    /// The file could not be written; the previous file, if any, is intact.
    case unwritable(path: String, reason: String)
    /// The file's contents are malformed at `location` (a field, line or byte offset).
    case malformed(path: String, location: String, message: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .unwritable(let path, let reason):
            return "\(path): cannot write: \(reason)"
        case .malformed(let path, let location, let message):
            return "\(path): \(location): \(message)"
        }
    }
}
