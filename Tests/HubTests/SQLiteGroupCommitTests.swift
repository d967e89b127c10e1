import Foundation
import HubStore
import TestSupport
import Testing

/// The embedded engine's group commit: concurrent batches share a transaction, yet each one
/// succeeds or fails alone, and the writer really syncs every commit.
struct SQLiteGroupCommitTests {
    @Test func theWriterConnectionCommitsWithSynchronousFull() throws {
        let store = try SQLiteHubStore(path: "\(try TestEnvironment.temporaryDirectory("hubdb"))/hub.sqlite")
        #expect(try store.writerSynchronousMode() == 2)
    }

    @Test func concurrentBatchesEachSucceedOrFailAlone() async throws {
        let store = try SQLiteHubStore(path: "\(try TestEnvironment.temporaryDirectory("hubdb"))/hub.sqlite")
        var deviceIDs: [String] = []
        for index in 0..<20 {
            let code = try await store.issueEnrollmentCode(office: "测试街道", validFor: .seconds(600), now: Date())
            let kiosk = try await store.enroll(code: code.code, publicKey: Data(repeating: UInt8(index), count: 32), now: Date()).get()
            deviceIDs.append(kiosk.deviceID)
        }
        let items = (1...50).map { seq in
            IncomingTransaction(seq: Int64(seq), kind: "certificate.printed", wallTime: Date(), bootID: "boot", monotonicNanoseconds: Int64(seq),
                                payloadJSON: #"{"copies":1}"#)
        }
        // Twenty kiosks at once, plus one that does not exist: its failure must not touch the others.
        let outcomes = await withTaskGroup(of: (String, Bool).self) { group in
            for deviceID in deviceIDs + ["no-such-kiosk"] {
                group.addTask {
                    let result = try? await store.ingest(deviceID: deviceID, items: items, limits: IngestionLimits(), now: Date())
                    return (deviceID, result?.contiguousThrough == 50)
                }
            }
            var outcomes: [String: Bool] = [:]
            for await (deviceID, ok) in group { outcomes[deviceID] = ok }
            return outcomes
        }
        #expect(outcomes["no-such-kiosk"] == false)
        for deviceID in deviceIDs {
            #expect(outcomes[deviceID] == true)
            #expect(try await store.storedTransactionCount(deviceID: deviceID) == 50)
        }
        #expect(try await store.storedTransactionCount(deviceID: "no-such-kiosk") == 0)
    }
}
