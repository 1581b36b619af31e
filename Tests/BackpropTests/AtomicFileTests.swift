import Foundation
import Testing
import TestSupport
@testable import Backprop

/// Atomic saves: unique temporary names that never follow links, the permissions a user
/// expects, symbolic links kept, and nothing left behind.
@Suite struct AtomicFileTests {
    let folder: TemporaryFolder

    init() throws {
        folder = try TemporaryFolder("backprop-atomic")
    }

    func path(_ name: String) -> String { folder.path(name) }

    func mode(_ path: String) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int).map { $0 & 0o7777 } ?? -1
    }

    func contents(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    @Test func newFileGetsTheUmasksModeAndNothingIsLeftBehind() throws {
        let mask = umask(0o022)
        umask(mask)
        try writeAtomically([1, 2, 3], to: path("new"))
        #expect(try contents(path("new")) == [1, 2, 3])
        #expect(try mode(path("new")) == 0o666 & ~Int(mask))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["new"])
    }

    @Test func replacedFileKeepsItsMode() throws {
        try writeAtomically([1], to: path("private"))
        chmod(path("private"), 0o600)
        try writeAtomically([2, 2], to: path("private"))
        #expect(try contents(path("private")) == [2, 2])
        #expect(try mode(path("private")) == 0o600)
    }

    @Test func symbolicLinkStaysAndItsTargetIsReplaced() throws {
        try writeAtomically([1], to: path("target"))
        try FileManager.default.createSymbolicLink(atPath: path("link"), withDestinationPath: path("target"))
        try writeAtomically([9, 9], to: path("link"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: path("link")) == path("target"))
        #expect(try contents(path("target")) == [9, 9])
    }

    @Test func linkToNothingAndFoldersAreErrorsThatNameThePath() throws {
        try FileManager.default.createSymbolicLink(atPath: path("dangling"), withDestinationPath: path("missing/file"))
        #expect(throws: DataError.self) { try writeAtomically([1], to: path("dangling")) }
        try FileManager.default.createDirectory(atPath: path("folder"), withIntermediateDirectories: false)
        do {
            try writeAtomically([1], to: path("folder"))
            Issue.record("writing over a folder succeeded")
        } catch let error as DataError {
            #expect(error.description.hasPrefix(path("folder")))
        }
        #expect(throws: DataError.self) { try writeAtomically([1], to: path("no/such/folder/file")) }
    }

    /// Writers at the same time never share a temporary file: every write succeeds and the
    /// file ends as one of them, whole.
    @Test func concurrentWritersEachUseTheirOwnTemporaryFile() async throws {
        let target = path("shared")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for k in 0..<8 {
                group.addTask { try writeAtomically([UInt8](repeating: UInt8(k), count: 100_000), to: target) }
            }
            try await group.waitForAll()
        }
        let result = try contents(target)
        #expect(result.count == 100_000 && Set(result).count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["shared"])
    }
}
