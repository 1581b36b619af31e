import Foundation
import Testing
import TestSupport
@testable import Backprop

@Suite struct IDXFileTests {
    let folder: TemporaryFolder

    init() throws {
        folder = try TemporaryFolder("backprop-idx")
    }

    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// Two 2×3 images and their labels.
    var imageBytes: [UInt8] { [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3] + [0, 51, 102, 153, 204, 255, 255, 0, 0, 0, 0, 0] }
    var labelBytes: [UInt8] { [0, 0, 8, 1, 0, 0, 0, 2, 7, 3] }

    @Test func readsImagesAndLabels() throws {
        let images = try write(imageBytes, "x-images-idx3-ubyte")
        let labels = try write(labelBytes, "x-labels-idx1-ubyte")
        let data = try Dataset<Float>.idx(images: images, labels: labels)
        #expect(data.inputs.rows == 2 && data.inputs.columns == 6)
        #expect(data.inputs.row(0) == [0, 0.2, 0.4, 0.6, 0.8, 1])
        #expect(data.targets == .classes([7, 3]))
    }

    @Test func readsGzippedFiles() throws {
        let path = try write(imageBytes, "images.idx")
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-f", path]
        try gzip.run()
        gzip.waitUntilExit()
        let file = try IDXFile(contentsOf: path + ".gz")
        #expect(file.dimensions == [2, 2, 3])
        #expect(file.bytes == Array(imageBytes[16...]))
    }

    struct Damage: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var expected: String
        var testDescription: String { name }
    }

    static let damages: [Damage] = [
        Damage(name: "empty", bytes: [], expected: "too short"),
        Damage(name: "wrong magic", bytes: [1, 0, 8, 1, 0, 0, 0, 1, 5], expected: "magic number"),
        Damage(name: "unsupported type", bytes: [0, 0, 0x0D, 1, 0, 0, 0, 1, 5, 5, 5, 5], expected: "0x0d"),
        Damage(name: "no dimensions", bytes: [0, 0, 8, 0], expected: "0 dimensions"),
        Damage(name: "header cut", bytes: [0, 0, 8, 2, 0, 0, 0], expected: "ends inside the sizes"),
        Damage(name: "data cut", bytes: [0, 0, 8, 1, 0, 0, 0, 3, 1, 2], expected: "need 3 bytes of data, but the file holds 2"),
        Damage(name: "trailing data", bytes: [0, 0, 8, 1, 0, 0, 0, 1, 1, 2], expected: "more than the 1 bytes"),
        Damage(name: "absurd size", bytes: [0, 0, 8, 3, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255], expected: "more than"),
    ]

    @Test(arguments: damages)
    func damagedFilesGiveClearErrors(_ damage: Damage) throws {
        let path = try write(damage.bytes, "damaged")
        #expect {
            try IDXFile(contentsOf: path)
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix(path) && text.contains(damage.expected)
        }
    }

    @Test func missingFileAndMismatchedCounts() throws {
        #expect(throws: DataError.self) { try IDXFile(contentsOf: folder.appendingPathComponent("nope").path) }
        let images = try write(imageBytes, "i")
        let labels = try write([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3], "l")
        #expect(throws: DataError.malformed(path: labels, location: "dimension 1", message: "3 labels, but \(images) holds 2 images")) {
            try Dataset<Float>.idx(images: images, labels: labels)
        }
        #expect(throws: DataError.self) { try Dataset<Float>.idx(images: labels, labels: labels) }
    }
}
