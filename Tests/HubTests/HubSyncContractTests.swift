import Foundation
import HTTPTypes
import HubAPI
import HubClient
import HubStore
import Logging
import OpenAPIRuntime
import TestSupport
import Testing

/// The sync contract over real HTTP on loopback, the same tests on SQLite and on PostgreSQL.
@Suite(.timeLimit(.minutes(3)))
struct HubSyncContractTests {
    @Test(arguments: Engine.allCases)
    func anEnrollmentCodeEnrollsOneKioskOnce(engine: Engine) async throws {
        let fixture = try await HubFixture.start(engine)
        let code = try await fixture.enrollmentCode(office: "长宁街道")
        let hub = try HubConnection(baseURL: fixture.hub.url)
        let enrollment = try await hub.enroll(code: code, key: KioskKey())
        #expect(enrollment.office == "长宁街道")
        await #expect(throws: HubConnectionError.refused(status: 403, reason: "code_already_used",
                                                         message: "This enrollment code was already used; each code enrolls one kiosk.")) {
            _ = try await hub.enroll(code: code, key: KioskKey())
        }
        await #expect(throws: HubConnectionError.self) { _ = try await hub.enroll(code: "NOPE0-NOPE0", key: KioskKey()) }
        let expired = try await HubDatabase(location: fixture.database).withStore(logger: Logger(label: "test")) { store in
            try await store.issueEnrollmentCode(office: "长宁街道", validFor: .seconds(60), now: Date().addingTimeInterval(-120))
        }
        await #expect(throws: HubConnectionError.refused(status: 403, reason: "code_expired",
                                                         message: "This enrollment code has expired; ask the operator for a new one.")) {
            _ = try await hub.enroll(code: expired.code.lowercased(), key: KioskKey())
        }
        let listed = try await fixture.zizhuctl(["kiosks"])
        #expect(listed.contains(enrollment.deviceId) && listed.contains("active"))
        await fixture.stop()
    }

    @Test(arguments: Engine.allCases)
    func duplicatesGapsAndRejectionsKeepTheirFirstOutcome(engine: Engine) async throws {
        let fixture = try await HubFixture.start(engine)
        do {
            let kiosk = try await fixture.enrolledKiosk()
            let first = try await kiosk.connection.submit(Batches.batch(kiosk.deviceID, 1...3))
            #expect(first.accepted == [1, 2, 3] && first.duplicates.isEmpty && first.contiguousThrough == 3 && first.gaps.isEmpty)

            // The response was "lost": the kiosk retries the same seqs and nothing doubles.
            let retry = try await kiosk.connection.submit(Batches.batch(kiosk.deviceID, 1...3))
            #expect(retry.accepted == [1, 2, 3] && retry.duplicates == [1, 2, 3])

            // Out of order, above a gap: stored, and the gap is reported.
            let gapped = try await kiosk.connection.submit(Batches.batch(kiosk.deviceID, [6, 5]))
            #expect(gapped.accepted == [6, 5] && gapped.contiguousThrough == 3)
            #expect(gapped.gaps.map { [$0.first, $0.last] } == [[4, 4]])

            // A bad item is refused for good; its retry gets the stored refusal.
            let bad = Components.Schemas.TransactionBatch(deviceId: kiosk.deviceID, items: [Batches.item(4, kind: "Not A Kind")])
            let refused = try await kiosk.connection.submit(bad)
            #expect(refused.rejected.map(\.seq) == [4] && refused.rejected.first?.reason == .invalidKind)
            #expect(refused.contiguousThrough == 6 && refused.gaps.isEmpty)
            let refusedAgain = try await kiosk.connection.submit(Batches.batch(kiosk.deviceID, [4]))
            #expect(refusedAgain.rejected.map(\.seq) == [4] && refusedAgain.duplicates == [4] && refusedAgain.accepted.isEmpty)

            #expect(try await fixture.storedCount(kiosk.deviceID) == 6)
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    @Test(arguments: Engine.allCases)
    func missingBadStaleUnknownReplayedTamperedAndRevokedSignaturesAreRefusedAndChangeNothing(engine: Engine) async throws {
        let fixture = try await HubFixture.start(engine)
        do {
            let kiosk = try await fixture.enrolledKiosk()
            let url = fixture.hub.url
            let batch = Batches.batch(kiosk.deviceID, 1...2)

            try await expectRefusal("missing_signature") { try await HubConnection(baseURL: url).submit(batch) }
            let stale = KioskSigningMiddleware(key: kiosk.key, deviceID: kiosk.deviceID, now: { Date().addingTimeInterval(-3600) })
            try await expectRefusal("stale_signature") { try await HubConnection(baseURL: url, signer: stale).submit(batch) }
            let impostor = KioskSigningMiddleware(key: KioskKey(), deviceID: kiosk.deviceID)
            try await expectRefusal("bad_signature") { try await HubConnection(baseURL: url, signer: impostor).submit(batch) }
            let stranger = KioskSigningMiddleware(key: kiosk.key, deviceID: "no-such-kiosk")
            try await expectRefusal("unknown_kiosk") { try await HubConnection(baseURL: url, signer: stranger).submit(batch) }

            // A captured request sent again: the signature is valid, the nonce is spent.
            let capture = CaptureAndReplay()
            let recorder = try HubConnection(baseURL: url, signer: KioskSigningMiddleware(key: kiosk.key, deviceID: kiosk.deviceID),
                                             middlewares: [capture])
            _ = try await recorder.updates(after: 0)
            await capture.arm()
            try await expectRefusal("replayed_signature") { try await recorder.updates(after: 0) }
            try await expectRefusal("content_digest_mismatch") {
                try await HubConnection(baseURL: url, signer: KioskSigningMiddleware(key: kiosk.key, deviceID: kiosk.deviceID),
                                        middlewares: [TamperWithBody()]).submit(batch)
            }
            #expect(try await fixture.storedCount(kiosk.deviceID) == 0)

            _ = try await kiosk.connection.submit(batch)
            try await fixture.zizhuctl(["revoke", kiosk.deviceID])
            try await expectRefusal("kiosk_revoked") { try await kiosk.connection.submit(Batches.batch(kiosk.deviceID, 3...4)) }
            #expect(try await fixture.storedCount(kiosk.deviceID) == 2)
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    @Test(arguments: Engine.allCases)
    func oversizedBodiesAndBatchesGet413(engine: Engine) async throws {
        let fixture = try await HubFixture.start(engine, environment: ["ZIZHU_LIMITS_MAX_BATCH_ITEMS": "10", "ZIZHU_LIMITS_MAX_BODY_BYTES": "65536"])
        do {
            let kiosk = try await fixture.enrolledKiosk()
            try await expectRefusal("batch_too_large", status: 413) { try await kiosk.connection.submit(Batches.batch(kiosk.deviceID, 1...11)) }
            var huge = Batches.item(1)
            huge.bootId = String(repeating: "x", count: 64)
            let big = Components.Schemas.TransactionBatch(deviceId: kiosk.deviceID, items: Array(repeating: huge, count: 400))
            try await expectRefusal("body_too_large", status: 413) { try await kiosk.connection.submit(big) }
            #expect(try await fixture.storedCount(kiosk.deviceID) == 0)
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    @Test(arguments: Engine.allCases)
    func heartbeatsAreStoredAndUpdatesFlowBack(engine: Engine) async throws {
        let fixture = try await HubFixture.start(engine)
        do {
            let kiosk = try await fixture.enrolledKiosk()
            let receipt = try await kiosk.connection.heartbeat(.init(
                wallTime: Date().addingTimeInterval(600), bootId: Batches.bootID, monotonicNs: 5, softwareVersion: ZizhuVersion.current,
                cardReader: .ready, printer: .paperLow, camera: .missing, diskFreeBytes: 1 << 30, outbox: .init(pending: 3, oldestAgeSeconds: 40)))
            // 600 s ahead: flagged even if the request waits minutes on a loaded machine.
            #expect(receipt.clockSkewFlagged && receipt.clockSkewMs > 300_000)
            let page = try await kiosk.connection.updates(after: 0)
            #expect(page.updates.map(\.kind) == ["kiosk.enrolled"])
            #expect(page.nextCursor == page.updates.last?.cursor)
            #expect(try await kiosk.connection.updates(after: page.nextCursor).updates.isEmpty)
            let beats = try await HubDatabase(location: fixture.database).withStore(logger: .init(label: "test")) { store in
                try await store.heartbeats(deviceID: kiosk.deviceID, limit: 10)
            }
            #expect(beats.count == 1 && beats[0].reportJSON.contains("paper_low"))
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    @Test(arguments: Engine.allCases)
    func twoHubsReceivingTheSameBatchConcurrentlyStoreItOnce(engine: Engine) async throws {
        let fixture = try await HubFixture.start(engine, hubCount: 2)
        do {
            let kiosk = try await fixture.enrolledKiosk()
            let other = try HubConnection(baseURL: fixture.hubs[1].url, signer: KioskSigningMiddleware(key: kiosk.key, deviceID: kiosk.deviceID))
            let batch = Batches.batch(kiosk.deviceID, 1...100)
            async let a = kiosk.connection.submit(batch)
            async let b = other.submit(batch)
            let (first, second) = try await (a, b)
            #expect(first.accepted.count == 100 && second.accepted.count == 100)
            #expect(first.duplicates.count + second.duplicates.count == 100)
            #expect(try await fixture.storedCount(kiosk.deviceID) == 100)
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    /// An optional property is absent or a value, never null, unless openapi.yaml says null:
    /// the generated decoder would read null as absent (`decodeIfPresent`). Bounds the decoder
    /// does not check are 400s too.
    @Test func nullWhereTheContractHasNoneAndOverlongQueriesAre400() async throws {
        let fixture = try await HubFixture.start(.sqlite)
        do {
            let kiosk = try await fixture.enrolledKiosk()
            func edited(_ edit: @escaping @Sendable (inout [String: Any]) -> Void) throws -> HubConnection {
                let signer = KioskSigningMiddleware(key: kiosk.key, deviceID: kiosk.deviceID)
                return try HubConnection(baseURL: fixture.hub.url, signer: signer, middlewares: [EditJSONBody(signer: signer, edit: edit)])
            }
            // As the kiosk sends it (OutboxSync): parked and parked_items always, oldest_age_seconds when something is pending.
            let beat = Components.Schemas.Heartbeat(
                wallTime: Date(), bootId: Batches.bootID, monotonicNs: 5, softwareVersion: ZizhuVersion.current,
                cardReader: .ready, printer: .ready, camera: .ready, diskFreeBytes: 1 << 30,
                outbox: .init(pending: 1, oldestAgeSeconds: 40, parked: 1, parkedItems: [.init(seq: 3, kind: "rating.given", reason: "invalid_service_item")]))
            func heartbeat(_ edit: @escaping @Sendable (inout [String: Any]) -> Void) async throws -> String {
                switch try await edited(edit).client.sendHeartbeat(body: .json(beat)) {
                case .ok: return "200"
                case .badRequest(let bad): return "400 \(try bad.body.json.message)"
                default: return "other"
                }
            }
            func outbox(_ change: @escaping @Sendable (inout [String: Any]) -> Void) -> @Sendable (inout [String: Any]) -> Void {
                { body in
                    var outbox = body["outbox"] as! [String: Any]
                    change(&outbox)
                    body["outbox"] = outbox
                }
            }
            #expect(try await heartbeat { _ in } == "200")
            #expect(try await heartbeat(outbox { $0["oldest_age_seconds"] = NSNull() }) == "200")
            #expect(try await heartbeat(outbox { $0["parked_items"] = nil; $0["parked"] = nil }) == "200")
            #expect(try await heartbeat(outbox { $0["parked_items"] = [] as [Any] }) == "200")
            let nullItems = try await heartbeat(outbox { $0["parked_items"] = NSNull() })
            #expect(nullItems.hasPrefix("400") && nullItems.contains("outbox.parked_items is null"), "\(nullItems)")
            let nullParked = try await heartbeat(outbox { $0["parked"] = NSNull() })
            #expect(nullParked.hasPrefix("400") && nullParked.contains("outbox.parked is null"), "\(nullParked)")
            #expect(try await heartbeat(outbox { $0["parked_items"] = "none" }).hasPrefix("400"))

            // A well-formed ID of nobody: 404; the same with page null: 400 before any lookup.
            let nobody = Components.Schemas.RecordsQuery(citizenId: "330102198001011213", cardNumber: "A1")
            guard case .notFound = try await kiosk.connection.client.queryInsuranceRecords(body: .json(nobody)) else {
                Issue.record("a records query for nobody must be a 404")
                throw CancellationError()
            }
            for key in ["page", "page_size"] {
                guard case .badRequest = try await edited({ $0[key] = NSNull() }).client.queryInsuranceRecords(body: .json(nobody)) else {
                    Issue.record("\(key): null must be a 400")
                    throw CancellationError()
                }
            }

            // The hospitals' office filter: up to 64 code points, as maxLength counts.
            let office64 = String(repeating: "湖", count: 64)
            guard case .ok = try await kiosk.connection.client.listHospitals(query: .init(office: office64)),
                  case .badRequest = try await kiosk.connection.client.listHospitals(query: .init(office: office64 + "0")),
                  case .badRequest = try await kiosk.connection.client.listHospitals(query: .init(office: String(repeating: "e\u{301}", count: 40))) else {
                Issue.record("office must be refused beyond 64 code points, and only then")
                throw CancellationError()
            }
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    private func expectRefusal<T>(_ reason: String, status: Int = 401, _ body: () async throws -> T,
                                  sourceLocation: SourceLocation = #_sourceLocation) async throws {
        do {
            _ = try await body()
            Issue.record("expected \(status) \(reason), got success", sourceLocation: sourceLocation)
        } catch HubConnectionError.refused(let gotStatus, let gotReason, _) {
            #expect(gotStatus == status && gotReason == reason, sourceLocation: sourceLocation)
        }
    }
}

/// Remembers the first signed request it sees; once armed, sends that request's headers again
/// instead of the fresh ones, as an attacker replaying a captured request would.
actor CaptureAndReplay: ClientMiddleware {
    private var captured: HTTPFields?
    private var armed = false

    func arm() { armed = true }

    nonisolated func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields = await headers(for: request.headerFields)
        return try await next(request, body, baseURL)
    }

    private func headers(for fresh: HTTPFields) -> HTTPFields {
        if captured == nil { captured = fresh }
        return armed ? captured! : fresh
    }
}

/// Changes the body after it was signed, as a man in the middle would.
struct TamperWithBody: ClientMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var bytes = Data()
        if let body { bytes = try await Data(collecting: body, upTo: .max) }
        let tampered = Data(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "参保证明", with: "伪造证明").utf8)
        return try await next(request, HTTPBody(tampered), baseURL)
    }
}

/// Edits a request's JSON body and signs it again, as a kiosk with another encoder would send it.
struct EditJSONBody: ClientMiddleware {
    let signer: KioskSigningMiddleware
    let edit: @Sendable (inout [String: Any]) -> Void

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let body else { return try await next(request, body, baseURL) }
        var object = try JSONSerialization.jsonObject(with: try await Data(collecting: body, upTo: .max)) as! [String: Any]
        edit(&object)
        let edited = try JSONSerialization.data(withJSONObject: object)
        var request = request
        signer.sign(&request, body: edited, basePath: baseURL.path)
        return try await next(request, HTTPBody(edited), baseURL)
    }
}

/// `zizhu-kiosk enroll` against a real hub: the key stays in the state folder, mode 0600, and
/// signs the kiosk's later requests.
@Suite(.timeLimit(.minutes(2)))
struct KioskEnrollCommandTests {
    @Test func zizhuKioskEnrollKeepsItsKeyPrivateAndSignsWithIt() async throws {
        let fixture = try await HubFixture.start(.sqlite)
        do {
            let state = "\(try TestEnvironment.temporaryDirectory("kiosk-state"))/state"
            let code = try await fixture.enrollmentCode(office: "演示街道")
            let output = try await TestEnvironment.run(TestEnvironment.executable("zizhu-kiosk"), ["enroll", fixture.hub.url, code],
                                                       environment: ["ZIZHU_STORAGE_STATE_DIRECTORY": state])
            #expect(output.contains("enrolled as"))
            let keyPath = "\(state)/hub-identity.key"
            let mode = try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            let deviceID = try String(contentsOfFile: "\(state)/hub-device-id", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let signed = try HubConnection(baseURL: fixture.hub.url,
                                           signer: KioskSigningMiddleware(key: try KioskKey.loadOrCreate(at: keyPath), deviceID: deviceID))
            #expect(try await signed.updates(after: 0).updates.map(\.kind) == ["kiosk.enrolled"])
            // The same code again, from a second kiosk state: refused.
            await #expect(throws: CommandFailure.self) {
                try await TestEnvironment.run(TestEnvironment.executable("zizhu-kiosk"), ["enroll", fixture.hub.url, code],
                                              environment: ["ZIZHU_STORAGE_STATE_DIRECTORY": state + "-second"])
            }
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }
}
