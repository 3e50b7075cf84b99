import Foundation

/// What a child process left: its exit status and what it wrote.
public struct ChildOutput: Sendable {
    public var status: Int32
    public var stdout: Data
    /// Empty when stderr was merged into stdout.
    public var stderr: Data

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// Runs helper programs from tests (the `liaison` binary, `mailrig`, python, a browser): one
/// runner instead of a Process/Pipe dance in each test target.
public enum ChildProcess {
    /// Runs `executable` with `arguments` to its end and returns its status and output.
    /// `environment` nil: this process's. `mergingStderr`: stderr goes into the stdout pipe (as a
    /// terminal would show them). The two pipes are drained at once, so a child that fills one
    /// while the other is read cannot block.
    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                           mergingStderr: Bool = false) throws -> ChildOutput {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        if let environment { p.environment = environment }
        let out = Pipe()
        let err = mergingStderr ? out : Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let errorData = ErrorBox()
        let group = DispatchGroup()
        if !mergingStderr {
            // A private queue: on Linux the global ones are as narrow as the cooperative pool.
            DispatchQueue(label: "liaison.test.stderr").async(group: group) { errorData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return ChildOutput(status: p.terminationStatus, stdout: o, stderr: errorData.get())
    }

    /// Runs `executable` with `arguments` to its end, its output (stdout and stderr together) in a
    /// temporary file, not a pipe, and its standard input empty: for helpers that start daemons
    /// (`mailrig start`), which would inherit a pipe and keep it open, so that reading it to its
    /// end would hang. The output comes back as `stdout`.
    public static func runToFile(_ executable: URL, _ arguments: [String]) throws -> ChildOutput {
        let outPath = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-child-\(UUID().uuidString)").path
        FileManager.default.createFile(atPath: outPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outPath) }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        defer { try? out.close() }
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.standardOutput = out
        p.standardError = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return ChildOutput(status: p.terminationStatus, stdout: FileManager.default.contents(atPath: outPath) ?? Data(), stderr: Data())
    }

    /// Data handed from the reading thread (under a lock).
    private final class ErrorBox: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func set(_ d: Data) { lock.withLock { data = d } }
        func get() -> Data { lock.withLock { data } }
    }
}
