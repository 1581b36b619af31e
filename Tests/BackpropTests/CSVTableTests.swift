import Foundation
import Testing
import TestSupport
@testable import Backprop

@Suite struct CSVTableTests {
    let folder: TemporaryFolder

    init() throws {
        folder = try TemporaryFolder("backprop-csv")
    }

    func write(_ text: String, _ name: String = "data.csv") throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test func readsQuotedFieldsAndStringLabels() throws {
        let path = try write("a,b,species\n1,2.5,setosa\n\"3\",4,\"vir,ginica\"\r\n5,6e-1,setosa\n")
        let table = try CSVTable(contentsOf: path)
        #expect(table.header == ["a", "b", "species"])
        #expect(table.rows.count == 3)
        #expect(try table.numbers(columns: [0, 1], as: Double.self) == Matrix([[1, 2.5], [3, 4], [5, 0.6]]))
        let labels = table.rows.map { $0[2] }
        let encoding = try LabelEncoding.infer(from: labels, task: nil, path: path, column: "species")
        #expect(try encoding == LabelEncoding(task: .classification, classNames: ["setosa", "vir,ginica"]))
        #expect(try encoding.targets(labels, path: path, column: "species") == Targets<Float>.classes([0, 1, 0]))
        #expect(try table.columnIndex("species") == 2 && table.columnIndex("2") == 1)
    }

    struct Damage: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var expected: String
        var testDescription: String { name }
    }

    static let damages: [Damage] = [
        Damage(name: "empty file", text: "", expected: "line 1: empty file"),
        Damage(name: "header only", text: "a,b,label\n", expected: "line 2: no data rows"),
        Damage(name: "ragged row", text: "a,b\n1,2\n3\n", expected: "line 3: 1 cells, expected 2"),
        Damage(name: "non-numeric cell", text: "a,b\n1,x\n", expected: "line 2, column 2 ('b'): 'x' is not a finite number"),
        Damage(name: "empty cell", text: "a,b\n1,\n", expected: "line 2, column 2 ('b'): an empty cell is not a finite number"),
        Damage(name: "NaN", text: "a,b\n1,2\nnan,3\n", expected: "line 3, column 1 ('a'): 'nan' is not a finite number"),
        Damage(name: "infinity", text: "a,b\ninf,3\n", expected: "'inf' is not a finite number"),
        Damage(name: "huge value", text: "a,b\n1e39,3\n", expected: "'1e39' is not a finite number"),
        Damage(name: "duplicate column", text: "a,a\n1,2\n", expected: "column name 'a' appears twice"),
    ]

    @Test(arguments: damages)
    func malformedFilesNameFileLineAndColumn(_ damage: Damage) throws {
        let path = try write(damage.text)
        #expect {
            let table = try CSVTable(contentsOf: path)
            _ = try table.numbers(columns: Array(table.header.indices), as: Float.self)
        } throws: { error in
            "\(error)".hasPrefix(path) && "\(error)".contains(damage.expected)
        }
    }

    @Test func notUTF8AndMissingFile() throws {
        let url = folder.appendingPathComponent("latin1.csv")
        try Data([0x61, 0x0A, 0xFF, 0xFE, 0x0A]).write(to: url)
        #expect(throws: DataError.malformed(path: url.path, location: "file", message: "not UTF-8 text")) {
            try CSVTable(contentsOf: url.path)
        }
        #expect(throws: DataError.self) { try CSVTable(contentsOf: folder.appendingPathComponent("none.csv").path) }
    }

    @Test func labelsWithNoClassAreErrors() throws {
        let encoding = try LabelEncoding(task: .classification, classNames: ["no", "yes"])
        #expect(throws: DataError.malformed(path: "t.csv", location: "line 3, column 'label'", message: "label 'maybe' is not one of the classes no, yes")) {
            let _: Targets<Float> = try encoding.targets(["yes", "maybe"], path: "t.csv", column: "label")
        }
    }

    @Test func taskInference() throws {
        let few = try LabelEncoding.infer(from: ["3", "1", "10", "1"], task: nil, path: "p", column: "c")
        #expect(try few == LabelEncoding(task: .classification, classNames: ["1", "3", "10"]))
        let values = try LabelEncoding.infer(from: ["0.5", "1.25", "3"], task: nil, path: "p", column: "c")
        #expect(values.task == .regression)
        let many = try LabelEncoding.infer(from: (0..<50).map(String.init), task: nil, path: "p", column: "c")
        #expect(many.task == .regression)
        #expect(throws: DataError.self) { try LabelEncoding.infer(from: ["a", "a"], task: nil, path: "p", column: "c") }
        #expect(throws: DataError.self) { try LabelEncoding.infer(from: ["a", "1"], task: .regression, path: "p", column: "c") }
    }
}
