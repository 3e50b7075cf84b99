import Foundation
import LiaisonConfiguration
import LiaisonCore

/// Where the shared corpus is: $LIAISON_CORPUS, else ../shared/corpus beside the repository.
public enum CorpusLocation {
    /// The package's root folder (this file is Tests/LiaisonTestSupport/Corpus.swift).
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
    public static var directory: URL {
        if let env = ProcessInfo.processInfo.environment["LIAISON_CORPUS"] { return URL(fileURLWithPath: env) }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }
    /// Every .eml of the corpus, sorted by name.
    public static var messages: [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".eml") }.sorted().map { directory.appendingPathComponent($0) }
    }
    /// Every .eml that has an .expect.json beside it, sorted by name.
    public static var cases: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".eml") }
            .filter { names.contains(String($0.dropLast(4)) + ".expect.json") }
            .sorted()
    }
    /// The corpus's liaison.toml (its [organization] only).
    public static var configPath: String { directory.appendingPathComponent("liaison.toml").path }
    /// The corpus's organisation, read from its liaison.toml as the daemon reads it.
    public static func organization() throws -> Organization {
        try LiaisonConfig.load(path: configPath).organization()
    }
    /// A file's bytes (empty when it cannot be read).
    public static func bytes(_ url: URL) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: url.path) ?? Data()) }
}

/// Compares an expected JSON value with an actual one: objects by the expected keys only
/// (an absent key is not checked), arrays element by element with equal length, scalars equal.
/// Returns the paths that differ, with both values.
public enum JSONSubset {
    public static func differences(expected: Any, actual: Any?, path: String = "$") -> [String] {
        switch expected {
        case let e as [String: Any]:
            guard let a = actual as? [String: Any] else { return ["\(path): expected an object, got \(describe(actual))"] }
            return e.keys.sorted().flatMap { differences(expected: e[$0]!, actual: a[$0], path: "\(path).\($0)") }
        case let e as [Any]:
            guard let a = actual as? [Any] else { return ["\(path): expected an array, got \(describe(actual))"] }
            guard a.count == e.count else { return ["\(path): expected \(e.count) elements, got \(a.count): \(describe(a))"] }
            return zip(e, a).enumerated().flatMap { differences(expected: $0.element.0, actual: $0.element.1, path: "\(path)[\($0.offset)]") }
        case is NSNull:
            return actual == nil || actual is NSNull ? [] : ["\(path): expected null, got \(describe(actual))"]
        default:
            guard let a = actual, !(a is NSNull) else { return ["\(path): expected \(describe(expected)), got nothing"] }
            return (expected as? NSObject)?.isEqual(a) == true ? [] : ["\(path): expected \(describe(expected)), got \(describe(a))"]
        }
    }

    public static func describe(_ v: Any?) -> String {
        guard let v, !(v is NSNull) else { return "null" }
        if let d = try? JSONSerialization.data(withJSONObject: v, options: [.fragmentsAllowed, .sortedKeys]) {
            return String(decoding: d, as: UTF8.self)
        }
        return "\(v)"
    }
}
