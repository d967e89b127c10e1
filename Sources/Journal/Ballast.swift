import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A file of allocated blocks that holds space back on the journal's disk. When the disk reserve
/// is reached in the middle of a service, the journal deletes it so the transaction under way
/// still commits (SQLite at ENOSPC cannot even delete or checkpoint, §2.2 of sync-security.md);
/// new services are then refused until there is room to re-create it.
public struct Ballast: Sendable {
    public let path: String
    public let bytes: Int64

    public init(path: String, bytes: Int64 = Self.standardBytes) {
        self.path = path
        self.bytes = bytes
    }

    /// 64 MiB: many thousands of transactions, and more than SQLite needs to checkpoint its WAL.
    public static let standardBytes: Int64 = 64 << 20

    /// The ballast's default place: beside the journal, in the state directory.
    public static func standard(journalPath: String) -> Ballast {
        let directory = (journalPath as NSString).deletingLastPathComponent
        return Ballast(path: (directory.isEmpty ? "." : directory) + "/journal.ballast")
    }

    /// Whether the file is there at full size.
    public var isInPlace: Bool {
        var info = stat()
        return stat(path, &info) == 0 && Int64(info.st_size) >= bytes && Int64(info.st_blocks) * 512 >= bytes
    }

    /// Creates the file with real blocks (posix_fallocate, not a sparse file), if the disk keeps
    /// at least the reserve free after it.
    /// - Returns: whether the ballast is in place now.
    @discardableResult
    public func create(reserve: DiskReserve) -> Bool {
        if isInPlace { return true }
        if let free = reserve.freeBytes(path), free < reserve.minimumFreeBytes &+ UInt64(bytes) { return false }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { return false }
        let allocated = posix_fallocate(descriptor, 0, off_t(bytes)) == 0 && fsync(descriptor) == 0
        close(descriptor)
        if !allocated { unlink(path) }
        return allocated
    }

    /// Deletes the file.
    /// - Returns: whether there was a ballast to release.
    public func release() -> Bool {
        guard isInPlace else { return false }
        return unlink(path) == 0
    }
}
