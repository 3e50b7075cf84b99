import Foundation
import Testing
@testable import LiaisonDaemon

// Issue 12, "Output hygiene": files that hold customer mail (`fetch --out`).

@Suite struct PrivateFileTests {
    static func scratch() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-private-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    @Test func newFilesAreOwnerOnly() throws {
        let d = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        let path = d.appendingPathComponent("7.eml").path
        try PrivateFile.create(path, Array("Subject: x\r\n\r\nbody\r\n".utf8))
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        #expect(FileManager.default.contents(atPath: path) == Data("Subject: x\r\n\r\nbody\r\n".utf8))
    }

    @Test func aPlantedSymlinkIsNotFollowed() throws {
        let d = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        let victim = d.appendingPathComponent("victim")
        try Data("keep".utf8).write(to: victim)
        let path = d.appendingPathComponent("8.eml").path
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: victim.path)
        #expect(throws: PrivateFile.Failure.self) { try PrivateFile.create(path, Array("mail".utf8)) }
        #expect(FileManager.default.contents(atPath: victim.path) == Data("keep".utf8))
        // A dangling link: the file it names is not created either.
        let absent = d.appendingPathComponent("absent")
        let path2 = d.appendingPathComponent("9.eml").path
        try FileManager.default.createSymbolicLink(atPath: path2, withDestinationPath: absent.path)
        #expect(throws: PrivateFile.Failure.self) { try PrivateFile.create(path2, Array("mail".utf8)) }
        #expect(!FileManager.default.fileExists(atPath: absent.path))
        // And an existing file is not overwritten.
        let existing = d.appendingPathComponent("10.eml").path
        try Data("old".utf8).write(to: URL(fileURLWithPath: existing))
        #expect(throws: PrivateFile.Failure.self) { try PrivateFile.create(existing, Array("new".utf8)) }
        #expect(FileManager.default.contents(atPath: existing) == Data("old".utf8))
    }
}

