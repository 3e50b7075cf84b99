import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Files that hold customer mail, written where a person asked (`fetch --out`, exports): created
/// new with mode 0600 (owner only, whatever the umask), never through a symlink and never over an
/// existing file (`open(2)` with `O_CREAT | O_EXCL | O_NOFOLLOW`), so a link planted at the path
/// cannot redirect the write to another file.
public enum PrivateFile {
    public struct Failure: Error, CustomStringConvertible, Sendable, Equatable {
        public var description: String
    }

    /// Creates `path` and writes `bytes` to it.
    public static func create(_ path: String, _ bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code = errno
            let why = code == EEXIST ? "it exists already (a file or a symlink); files are only ever written new"
                : String(cString: strerror(code))
            throw Failure(description: "cannot write \(path): \(why)")
        }
        var ok = false
        defer {
            close(fd)
            if !ok { unlink(path) }
        }
        // O_CREAT's mode is masked by the umask; 0600 is the most it can be, and fchmod makes it exact.
        guard fchmod(fd, 0o600) == 0 else { throw Failure(description: "cannot set mode 0600 on \(path): \(String(cString: strerror(errno)))") }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw Failure(description: "cannot write \(path): \(String(cString: strerror(errno)))") }
            offset += n
        }
        ok = true
    }
}
