import Foundation
import Journal
import TestSupport
import Testing

/// A full disk refuses new services up front and never damages or splits what is journalled.
@Suite(.serialized) struct DiskFullTests {
    @Test func belowTheReserveNewServicesAreRefusedWithACounterMessage() throws {
        let path = "\(try TestEnvironment.temporaryDirectory("journal"))/journal.sqlite"
        let database = try AppDatabase(path: path, diskReserve: DiskReserve(minimumFreeBytes: 1 << 20, freeBytes: { _ in 4096 }))
        #expect(throws: JournalError.diskReserveReached(freeBytes: 4096)) {
            try database.record(kind: "certificate.printed", payload: ["document": "参保证明"])
        }
        #expect(try database.journalledSeqs().isEmpty)
        #expect(JournalError.diskReserveReached(freeBytes: 4096).citizenMessage?.contains("please use the counter") == true)
    }

    /// A real 2 MiB tmpfs (needs root for mount): the reserve trips before SQLite hits ENOSPC,
    /// and with no reserve at all SQLITE_FULL leaves a sound, gap-free journal.
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func aRealFullFileSystemNeverSplitsATransaction() throws {
        let mountPoint = try TestEnvironment.temporaryDirectory("tmpfs")
        guard mount("tmpfs", mountPoint, "tmpfs", 0, "size=2m") == 0 else {
            Issue.record("mount tmpfs failed: errno \(errno)")
            return
        }
        defer { umount(mountPoint) }
        let path = "\(mountPoint)/journal.sqlite"
        let payload: [String: any Sendable] = ["document": "参保证明", "note": String(repeating: "x", count: 2_000)]
        do {
            let guarded = try AppDatabase(path: path, diskReserve: DiskReserve(minimumFreeBytes: 512 << 10))
            var refusal: JournalError?
            for _ in 0..<10_000 {
                do { try guarded.record(kind: "certificate.printed", payload: payload) } catch let error as JournalError {
                    refusal = error
                    break
                }
            }
            guard case .diskReserveReached = refusal else {
                Issue.record("the reserve never tripped: \(String(describing: refusal))")
                return
            }
        }
        // No reserve: run into the real ENOSPC.
        let unguarded = try AppDatabase(path: path, diskReserve: DiskReserve(minimumFreeBytes: 0))
        var sqliteRefused = false
        for _ in 0..<10_000 {
            do { try unguarded.record(kind: "certificate.printed", payload: payload) } catch {
                sqliteRefused = true
                break
            }
        }
        #expect(sqliteRefused)
        let reopened = try AppDatabase(path: path, diskReserve: DiskReserve(minimumFreeBytes: 0))
        #expect(try reopened.integrityCheck() == ["ok"])
        let seqs = try reopened.journalledSeqs()
        #expect(!seqs.isEmpty && seqs == Array(1...Int64(seqs.count)))
        #expect(try reopened.backlog().pendingCount == seqs.count)
    }
}
