import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The process's resident memory from /proc/self/status (Linux), in KiB.
public enum ProcessMemory {
    public static func field(_ name: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") })
        else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first { Int($0) != nil } ?? "") ?? 0
    }

    /// Resets the peak (VmHWM) to the current resident size (`clear_refs` 5); returns that size.
    @discardableResult
    public static func resetPeak() -> Int {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        if fd >= 0 {
            _ = write(fd, "5", 1)
            close(fd)
        }
        return field("VmRSS")
    }

    /// The peak resident size since the last reset (VmHWM).
    public static func peakKiB() -> Int { field("VmHWM") }
}
