import Foundation
import Journal
import TestSupport
import Testing

/// The ballast on a real, small tmpfs: created at first start, released when the reserve is hit
/// so the transaction under way commits, new services refused meanwhile, re-created when space
/// returns.
@Suite(.serialized) struct BallastTests {
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func theBallastLetsTheTransactionUnderWayFinishAndComesBackWithSpace() throws {
        let mountPoint = try TestEnvironment.temporaryDirectory("ballast-tmpfs")
        guard mount("tmpfs", mountPoint, "tmpfs", 0, "size=8m") == 0 else {
            Issue.record("mount tmpfs failed: errno \(errno)")
            return
        }
        defer { umount2(mountPoint, Int32(MNT_DETACH)) }
        let path = "\(mountPoint)/journal.sqlite"
        let ballast = Ballast(path: "\(mountPoint)/journal.ballast", bytes: 2 << 20)
        let reserve = DiskReserve(minimumFreeBytes: 1 << 20)
        // Another file fills most of the disk, as logs or updates would.
        let filler = "\(mountPoint)/filler"
        #expect(FileManager.default.createFile(atPath: filler, contents: Data(count: 3 << 20)))
        let database = try AppDatabase(path: path, diskReserve: reserve, ballast: ballast)
        #expect(ballast.isInPlace, "the ballast is created at first start")
        let payload: [String: any Sendable] = ["document": "参保证明", "note": String(repeating: "x", count: 2_000)]
        var admitted = 0
        var refusal: JournalError?
        for _ in 0..<10_000 {
            do {
                try database.admitNewService()
            } catch {
                refusal = error
                break
            }
            try database.record(kind: "certificate.printed", payload: payload)
            admitted += 1
        }
        guard case .diskReserveReached = refusal else {
            Issue.record("new services were never refused: \(String(describing: refusal))")
            return
        }
        #expect(admitted > 0)
        #expect(ballast.isInPlace, "refusing a new service does not spend the ballast")
        // A service already under way must still be recorded: the ballast goes, the commit lands.
        let finishing = try database.record(kind: "certificate.printed", payload: payload)
        #expect(finishing.seq == Int64(admitted + 1))
        #expect(!ballast.isInPlace, "the ballast was released for the transaction under way")
        // Emergency mode: no new services while the ballast cannot be re-created.
        #expect(throws: JournalError.self) { try database.admitNewService() }
        // Space returns (a technician removes the filler): the ballast is re-created and new
        // services are taken again.
        #expect(unlink(filler) == 0)
        try database.admitNewService()
        #expect(ballast.isInPlace)
        #expect(try database.integrityCheck() == ["ok"])
        let seqs = try database.journalledSeqs()
        #expect(seqs == Array(1...Int64(admitted + 1)))
    }

    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func theMaintenanceServiceRecreatesASpentBallast() throws {
        let mountPoint = try TestEnvironment.temporaryDirectory("ballast-tmpfs")
        guard mount("tmpfs", mountPoint, "tmpfs", 0, "size=8m") == 0 else {
            Issue.record("mount tmpfs failed: errno \(errno)")
            return
        }
        defer { umount2(mountPoint, Int32(MNT_DETACH)) }
        let ballast = Ballast(path: "\(mountPoint)/journal.ballast", bytes: 2 << 20)
        let database = try AppDatabase(path: "\(mountPoint)/journal.sqlite", diskReserve: DiskReserve(minimumFreeBytes: 1 << 20), ballast: ballast)
        #expect(ballast.release())
        #expect(!ballast.isInPlace)
        JournalMaintenance(database: database, faceEvidenceRetention: .seconds(3600)).runOnce()
        #expect(ballast.isInPlace)
        // Its blocks are really allocated (not a sparse file), so releasing it really frees space.
        var info = stat()
        #expect(stat(ballast.path, &info) == 0 && Int64(info.st_blocks) * 512 >= 2 << 20)
    }
}
