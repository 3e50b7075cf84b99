import Foundation

/// Where the shared corpus is: $LIAISON_CORPUS, else ../shared/corpus beside the repository.
enum CorpusLocation {
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
    static var directory: URL {
        if let env = ProcessInfo.processInfo.environment["LIAISON_CORPUS"] { return URL(fileURLWithPath: env) }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }
    /// Every .eml that has an .expect.json beside it, sorted by name.
    static var cases: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".eml") }
            .filter { names.contains(String($0.dropLast(4)) + ".expect.json") }
            .sorted()
    }
    static var configPath: String { directory.appendingPathComponent("liaison.toml").path }
}

/// Compares an expected JSON value with an actual one: objects by the expected keys only
/// (an absent key is not checked), arrays element by element with equal length, scalars equal.
/// Returns the paths that differ, with both values.
enum JSONSubset {
    static func differences(expected: Any, actual: Any?, path: String = "$") -> [String] {
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

    static func describe(_ v: Any?) -> String {
        guard let v, !(v is NSNull) else { return "null" }
        if let d = try? JSONSerialization.data(withJSONObject: v, options: [.fragmentsAllowed, .sortedKeys]) {
            return String(decoding: d, as: UTF8.self)
        }
        return "\(v)"
    }
}
