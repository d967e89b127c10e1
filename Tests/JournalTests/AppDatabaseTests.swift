import Foundation
import GRDB
import Journal
import TestSupport
import Testing

@Suite struct AppDatabaseTests {
    @Test func fullSynchronousIsInForceAfterOpening() throws {
        // GRDB's DatabasePool lowers WAL connections to NORMAL; the journal must undo that.
        let directory = try TestEnvironment.temporaryDirectory("journal")
        let database = try AppDatabase(path: "\(directory)/journal.sqlite")
        #expect(try database.synchronousMode() == .full)
        #expect(try database.journalMode() == "wal")
    }

    @Test func migrationsAreNamedAndApplied() throws {
        let directory = try TestEnvironment.temporaryDirectory("journal")
        let database = try AppDatabase(path: "\(directory)/journal.sqlite")
        #expect(try database.appliedMigrations() == ["2026-11-create-device-settings", "2026-11-create-business-transactions-and-outbox", "2026-11-create-hub-updates",
                                                   "2026-12-create-audit-log", "2026-12-create-face-evidence", "2026-12-create-print-intents"])
    }

    @Test func settingsSurviveReopening() throws {
        let directory = try TestEnvironment.temporaryDirectory("journal")
        let path = "\(directory)/journal.sqlite"
        do {
            let database = try AppDatabase(path: path)
            try database.setDeviceSetting("device_id", to: "k-0001")
            try database.setDeviceSetting("device_id", to: "k-0002")
        }
        let reopened = try AppDatabase(path: path)
        #expect(try reopened.deviceSetting("device_id") == "k-0002")
        #expect(try reopened.deviceSetting("never-set") == nil)
        #expect(try reopened.synchronousMode() == .full)
    }

    @Test func aFileThatIsNotADatabaseIsRefused() throws {
        let directory = try TestEnvironment.temporaryDirectory("journal")
        let path = "\(directory)/journal.sqlite"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x41, count: 8192)))
        #expect(throws: (any Error).self) { try AppDatabase(path: path) }
    }
}
