import Foundation
import Journal
import TestSupport
import Testing

/// The operator's journal commands on a real state folder: parked items, the audit chain, and a
/// device key file with a wider mode stopping the kiosk with a technician's message.
@Suite struct JournalCommandTests {
    @Test func auditParkedAndAKeyFileTooOpen() async throws {
        let state = try TestEnvironment.temporaryDirectory("journal-cli")
        let environment = ["ZIZHU_STORAGE_STATE_DIRECTORY": state]
        let kiosk = try TestEnvironment.executable("zizhu-kiosk")
        let saved = try await TestEnvironment.run(kiosk, ["journal", "record", "booking.requested", #"{"citizen_id":"110101199003074573","slot_id":3}"#],
                                                  environment: environment)
        #expect(saved.contains("saved as seq 1"), "\(saved)")
        // The ID went in sealed.
        let bytes = FileManager.default.contents(atPath: "\(state)/journal.sqlite-wal") ?? Data()
        #expect(bytes.range(of: Data("110101199003074573".utf8)) == nil)
        do {
            let database = try AppDatabase(path: "\(state)/journal.sqlite")
            try database.appendAudit(AuditEvent(.staffLogin, "login", actor: .staff("s0123")))
        }
        let audit = try await TestEnvironment.run(kiosk, ["journal", "audit"], environment: environment)
        #expect(audit.contains("staff_login login staff:s0123 success"), "\(audit)")
        #expect(audit.contains("audit chain intact: 1 entries"), "\(audit)")
        let parked = try await TestEnvironment.run(kiosk, ["journal", "parked"], environment: environment)
        #expect(parked.contains("nothing parked"))
        #expect(chmod("\(state)/journal-data.key", 0o640) == 0)
        let refusal = try await TestEnvironment.runExpectingFailure(kiosk, ["journal", "status"], environment: environment)
        #expect(refusal.contains("mode 640") && refusal.contains("chmod 600"), "\(refusal)")
    }
}
