// libFuzzer driver over one grammar of the mail path; the targets are in Targets/ (module
// LiaisonFuzzTargets): mime, parameters, addresses, message-ids, dates, encoded-words, html, recap,
// imap. The target is chosen by LIAISON_FUZZ_TARGET (default mime), read once at start-up, so one
// binary serves every target and libFuzzer's own arguments stay untouched.
//
// Fuzz build (libFuzzer's driver runs the inputs; see scripts/fuzz). One -sanitize= flag: given
// twice, swiftc keeps only the last and the coverage instrumentation is lost.
//   swift build -c release --product LiaisonFuzz --scratch-path .build-fuzz \
//     -Xswiftc -sanitize=fuzzer,address -Xswiftc -DLIAISON_FUZZ
//   LIAISON_FUZZ_TARGET=parameters .build-fuzz/release/LiaisonFuzz CORPUS -dict=Sources/LiaisonFuzz/dict/parameters.dict
// Normal build (`swift build --product LiaisonFuzz`): the same entry point, driven by a replay
// `main` that feeds it every file given (folders are walked): that is how regressions re-run.
//   swift run LiaisonFuzz [--target NAME] FILE|DIR...
//
// An input slower than LIAISON_FUZZ_SLOW_FACTOR × max(100 ms, 1 µs per byte) traps as
// "slow input" (default factor 10 in the fuzz build, for the sanitizers' slowdown; 0 = off, the
// replay default).
import Foundation
import LiaisonFuzzTargets

func environment(_ name: String) -> String? {
    guard let v = ProcessInfo.processInfo.environment[name], !v.isEmpty else { return nil }
    return v
}

func chooseTarget(_ name: String) -> FuzzTarget {
    guard let t = FuzzTargets.named(name) else {
        let names = FuzzTargets.all.map(\.name).joined(separator: " ")
        FileHandle.standardError.write(Data("LiaisonFuzz: no target \(name.debugDescription); targets: \(names)\n".utf8))
        exit(2)
    }
    return t
}

#if LIAISON_FUZZ
let target = chooseTarget(environment("LIAISON_FUZZ_TARGET") ?? "mime")
let slowFactor = environment("LIAISON_FUZZ_SLOW_FACTOR").flatMap(Double.init) ?? 10

/// libFuzzer's entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTargets.runChecked(target, Array(UnsafeBufferPointer(start: data, count: size)), slowFactor: slowFactor)
    return 0
}

// SwiftPM links an executable target with `--defsym main=LiaisonFuzz_main`, which overrides
// libFuzzer's own `main`; so this top-level code hands control to libFuzzer's documented entry for
// programs with their own main (LLVMFuzzerRunDriver, in libclang_rt.fuzzer, linked by
// -sanitize=fuzzer). Declared by symbol name: every argument is a pointer and the result a C int,
// which the Swift and C calling conventions pass alike.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

var fuzzArgc = CommandLine.argc
var fuzzArgv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&fuzzArgc, &fuzzArgv) { data, size in
    fuzz(data ?? UnsafePointer(bitPattern: 1)!, size)
})
#else
/// Replay: every file named, folders walked (hidden files skipped), in sorted order.
func replayFiles(_ arguments: [String]) -> [String] {
    var files: [String] = []
    let fm = FileManager.default
    for arg in arguments {
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: arg, isDirectory: &isDir) else {
            FileHandle.standardError.write(Data("LiaisonFuzz: no such file: \(arg)\n".utf8))
            exit(2)
        }
        if !isDir.boolValue { files.append(arg); continue }
        let walker = fm.enumerator(atPath: arg)
        var found: [String] = []
        while let rel = walker?.nextObject() as? String {
            let path = (arg as NSString).appendingPathComponent(rel)
            var sub: ObjCBool = false
            if !(rel as NSString).lastPathComponent.hasPrefix("."),
               fm.fileExists(atPath: path, isDirectory: &sub), !sub.boolValue {
                found.append(path)
            }
        }
        files.append(contentsOf: found.sorted())
    }
    return files
}

var arguments = Array(CommandLine.arguments.dropFirst())
if arguments.isEmpty || arguments.contains("-h") || arguments.contains("--help") {
    print("usage: LiaisonFuzz [--target NAME] FILE|DIR...  (replays inputs through a fuzz target; default mime)")
    print("targets: " + FuzzTargets.all.map { "\($0.name) (\($0.summary))" }.joined(separator: "; "))
    exit(arguments.isEmpty ? 2 : 0)
}
var targetName = environment("LIAISON_FUZZ_TARGET") ?? "mime"
if arguments.first == "--target", arguments.count >= 2 {
    targetName = arguments[1]
    arguments.removeFirst(2)
}
let target = chooseTarget(targetName)
let slowFactor = environment("LIAISON_FUZZ_SLOW_FACTOR").flatMap(Double.init) ?? 0
let files = replayFiles(arguments)
for path in files {
    guard let data = FileManager.default.contents(atPath: path) else {
        FileHandle.standardError.write(Data("LiaisonFuzz: cannot read \(path)\n".utf8))
        exit(2)
    }
    // Print the name first so that a trap is attributed to its input.
    FileHandle.standardError.write(Data("replay \(target.name) \(path) (\(data.count) bytes)\n".utf8))
    FuzzTargets.runChecked(target, Array(data), slowFactor: slowFactor)
}
print("LiaisonFuzz: \(files.count) input(s) replayed through \(target.name), no failure")
#endif
