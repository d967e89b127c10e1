import Foundation

/// Refuses new business transactions while the journal's file system has less than a reserve
/// free, so a service is refused up front instead of failing halfway (SQLITE_FULL also blocks the
/// deletes and checkpoints that would free space, so the edge must never be reached).
public struct DiskReserve: Sendable {
    /// Free bytes that must remain after a transaction.
    public let minimumFreeBytes: UInt64
    /// Free bytes available to the kiosk on the file system holding `path`, or `nil` if unknown.
    public let freeBytes: @Sendable (_ path: String) -> UInt64?

    public init(minimumFreeBytes: UInt64, freeBytes: @escaping @Sendable (_ path: String) -> UInt64? = DiskReserve.statvfsFreeBytes) {
        self.minimumFreeBytes = minimumFreeBytes
        self.freeBytes = freeBytes
    }

    /// 32 MiB: days of transactions at a busy hall, and room for SQLite's WAL to checkpoint.
    public static let standard = DiskReserve(minimumFreeBytes: 32 << 20)

    /// `statvfs`'s blocks available to unprivileged users times the fragment size.
    public static let statvfsFreeBytes: @Sendable (String) -> UInt64? = { path in
        var info = statvfs()
        let directory = (path as NSString).deletingLastPathComponent
        guard statvfs(directory.isEmpty ? "." : directory, &info) == 0 else { return nil }
        return UInt64(info.f_bavail) * UInt64(info.f_frsize)
    }

    /// Throws ``JournalError/diskReserveReached(freeBytes:)`` when too little is free.
    func check(path: String) throws(JournalError) {
        // An unknown figure does not block the citizen; SQLite itself still refuses a full disk.
        guard let free = freeBytes(path) else { return }
        if free < minimumFreeBytes { throw .diskReserveReached(freeBytes: free) }
    }
}

extension JournalError {
    /// What the kiosk tells the citizen when it cannot take a request, or `nil` when the error is
    /// for a technician only.
    public var citizenMessage: String? {
        switch self {
        case .diskReserveReached: return "本机暂时无法办理新业务，请到人工窗口办理。This kiosk cannot take new requests; please use the counter."
        default: return nil
        }
    }
}
