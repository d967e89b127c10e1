import AsyncHTTPClient
import Foundation
import HubAPI
import HubClient
import HubStore
import Logging
import TestSupport
import Testing

/// What an operator runs the hub with: metrics, TLS, the listen policy, and a clean shutdown.
@Suite(.timeLimit(.minutes(3)))
struct HubOperationsTests {
    @Test(arguments: Engine.allCases)
    func aSeqRedeliveredWithOtherContentIsFlaggedAndTheStoredItemStands(engine: Engine) async throws {
        let fixture = try await HubFixture.start(engine)
        do {
            let kiosk = try await fixture.enrolledKiosk()
            _ = try await kiosk.connection.submit(Batches.batch(kiosk.deviceID, 1...3))
            let changed = Components.Schemas.TransactionBatch(deviceId: kiosk.deviceID,
                                                              items: [Batches.item(2, copies: 5), Batches.item(3), Batches.item(4)])
            let result = try await kiosk.connection.submit(changed)
            #expect(result.duplicates == [2, 3] && result.conflicts == [2])
            #expect(result.accepted == [2, 3, 4] && result.contiguousThrough == 4)
            #expect(try await fixture.storedCount(kiosk.deviceID) == 4)
            // The stored item is the first delivery's: one copy, not five.
            if let postgres = fixture.postgres {
                let payload = try await postgres.psql("SELECT payload FROM transactions WHERE device_id = '\(kiosk.deviceID)' AND seq = 2")
                #expect(payload.contains(#""copies":1"#))
            }
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    @Test(arguments: Engine.allCases)
    func anAnswerLostAfterTheHubCommittedIsRetriedWithoutADouble(engine: Engine) async throws {
        let fixture = try await HubFixture.start(engine)
        let proxy = try ResponseDroppingProxy(upstreamPort: fixture.hub.port)
        do {
            let kiosk = try await fixture.enrolledKiosk()
            let throughProxy = try HubConnection(baseURL: proxy.url, httpClient: HubConnection.httpClient(trustingCertificateAt: nil),
                                                 timeout: .seconds(5), signer: KioskSigningMiddleware(key: kiosk.key, deviceID: kiosk.deviceID))
            proxy.setMode(.dropResponses)
            // The kiosk cannot tell whether the hub got the batch: it only sees the connection die.
            await #expect(throws: HubConnectionError.self) { _ = try await throughProxy.submit(Batches.batch(kiosk.deviceID, 1...5)) }
            #expect(proxy.droppedResponses == 1)
            #expect(try await fixture.storedCount(kiosk.deviceID) == 5)

            // It retries the same seqs (a new signature, the same items) and learns the stored outcome.
            proxy.setMode(.forward)
            let retry = try await throughProxy.submit(Batches.batch(kiosk.deviceID, 1...5))
            #expect(retry.accepted == [1, 2, 3, 4, 5] && retry.duplicates == [1, 2, 3, 4, 5] && retry.conflicts.isEmpty)
            #expect(try await fixture.storedCount(kiosk.deviceID) == 5)
        } catch {
            proxy.stop()
            await fixture.stop()
            throw error
        }
        proxy.stop()
        await fixture.stop()
    }

    @Test func requestsOutsideTheContractsBoundsGet400AndChangeNothing() async throws {
        let fixture = try await HubFixture.start(.sqlite)
        do {
            let kiosk = try await fixture.enrolledKiosk()
            // seq 0 would trip the database's CHECK: it must be a clear 400, never a 503 to retry.
            await #expect(throws: HubConnectionError.refused(status: 400, reason: "bad_request",
                                                             message: "The batch does not match the hub's API: items[1].seq must be ≥ 1.")) {
                _ = try await kiosk.connection.submit(.init(deviceId: kiosk.deviceID, items: [Batches.item(1), Batches.item(0)]))
            }
            var longBoot = Batches.item(1)
            longBoot.bootId = String(repeating: "引", count: 65)
            await #expect(throws: HubConnectionError.self) {
                _ = try await kiosk.connection.submit(.init(deviceId: kiosk.deviceID, items: [longBoot]))
            }
            #expect(try await fixture.storedCount(kiosk.deviceID) == 0)
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    @Test func metricsCountItemsDuplicatesRejectionsAndRefusalsWithoutDeviceIDs() async throws {
        let fixture = try await HubFixture.start(.sqlite)
        do {
            let kiosk = try await fixture.enrolledKiosk()
            _ = try await kiosk.connection.submit(Batches.batch(kiosk.deviceID, 1...3))
            _ = try await kiosk.connection.submit(Batches.batch(kiosk.deviceID, 2...4))
            _ = try await kiosk.connection.submit(.init(deviceId: kiosk.deviceID, items: [Batches.item(5, kind: "Bad Kind")]))
            // An unsigned request to a signed operation is refused and counted.
            _ = try? await HubConnection(baseURL: fixture.hub.url).submit(Batches.batch(kiosk.deviceID, [6]))

            let text = try await HubConnection(baseURL: fixture.hub.url).metrics()
            let values = Self.samples(text)
            #expect(values["zizhu_hub_ingested_items_total"] == 4)
            #expect(values["zizhu_hub_duplicate_items_total"] == 2)
            #expect(values[#"zizhu_hub_rejected_items_total{reason="invalid_kind"}"#] == 1)
            #expect(values[#"zizhu_hub_signature_refusals_total{reason="missing_signature"}"#] == 1)
            #expect(values["zizhu_hub_batches_total"] == 3)
            #expect(values["zizhu_hub_enrollments_total"] == 1)
            #expect(values["zizhu_hub_batch_apply_seconds_count"] == 3)
            // Hummingbird's request metrics land in the same registry.
            #expect(text.contains("http_server_request_duration"))
            #expect(!text.contains(kiosk.deviceID))
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    @Test func theHubServesHTTPSWithTheOperatorsCertificateAndRefusesPlainHTTPOffLoopback() async throws {
        let pki = try await TestPKI.make()
        let fixture = try await HubFixture.start(.sqlite, environment: [
            "ZIZHU_LISTEN_TLS_CERTIFICATE": pki.serverCertificate, "ZIZHU_LISTEN_TLS_PRIVATE_KEY": pki.serverKey,
        ])
        do {
            let httpsURL = "https://127.0.0.1:\(fixture.hub.port)"
            let trusting = try HubConnection.httpClient(trustingCertificateAt: pki.caCertificate)
            let hub = try HubConnection(baseURL: httpsURL, httpClient: trusting)
            #expect(try await hub.health() == ZizhuVersion.current)
            let key = KioskKey()
            let enrollment = try await hub.enroll(code: try await fixture.enrollmentCode(), key: key)
            let signed = try HubConnection(baseURL: httpsURL, httpClient: trusting,
                                           signer: KioskSigningMiddleware(key: key, deviceID: enrollment.deviceId))
            #expect(try await signed.submit(Batches.batch(enrollment.deviceId, 1...2)).accepted == [1, 2])

            // The system's CAs do not know the operator's CA; plain HTTP gets no answer.
            await #expect(throws: HubConnectionError.self) { _ = try await HubConnection(baseURL: httpsURL).health() }
            await #expect(throws: HubConnectionError.self) {
                _ = try await HubConnection(baseURL: fixture.hub.url, timeout: .seconds(2)).health()
            }
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()

        // Without TLS the hub will not listen beyond loopback, and says what to do.
        let directory = try TestEnvironment.temporaryDirectory("hub-policy")
        let refusal = try await TestEnvironment.runExpectingFailure(
            TestEnvironment.executable("zizhu-hub"), ["serve", "--host", "0.0.0.0", "--port", "0", "--database", "\(directory)/hub.sqlite"])
        #expect(refusal.contains("plain HTTP is only allowed on loopback") && refusal.contains("listen.tls_certificate"))
        let halfTLS = try await TestEnvironment.runExpectingFailure(
            TestEnvironment.executable("zizhu-hub"), ["serve", "--port", "0", "--database", "\(directory)/hub.sqlite"],
            environment: ["ZIZHU_LISTEN_TLS_CERTIFICATE": pki.serverCertificate])
        #expect(halfTLS.contains("go together"))
    }

    @Test(arguments: Engine.allCases)
    func sigtermWhileBatchesArriveLeavesEveryBatchWholeOrAbsent(engine: Engine) async throws {
        let fixture = try await HubFixture.start(engine)
        do {
            var kiosks: [(connection: HubConnection, deviceID: String, key: KioskKey)] = []
            for _ in 0..<6 { kiosks.append(try await fixture.enrolledKiosk()) }
            let batchSize: Int64 = 400
            // Each kiosk sends batches back to back; SIGTERM lands while several are in flight.
            let answered = try await withThrowingTaskGroup(of: (String, Int64).self) { group in
                for kiosk in kiosks {
                    group.addTask {
                        var acknowledgedThrough: Int64 = 0
                        for batch in 0..<50 {
                            let seqs = (Int64(batch) * batchSize + 1)...(Int64(batch + 1) * batchSize)
                            guard let result = try? await kiosk.connection.submit(Batches.batch(kiosk.deviceID, seqs)) else { break }
                            acknowledgedThrough = result.contiguousThrough
                        }
                        return (kiosk.deviceID, acknowledgedThrough)
                    }
                }
                try await Task.sleep(for: .milliseconds(700))
                kill(fixture.hub.process.pid, SIGTERM)
                var answered: [String: Int64] = [:]
                for try await (deviceID, through) in group { answered[deviceID] = through }
                return answered
            }
            await fixture.hub.stop()
            #expect(fixture.hub.process.log().contains("hub listening"))
            var sawWork = false
            for kiosk in kiosks {
                let stored = try await fixture.storedCount(kiosk.deviceID)
                let acknowledged = answered[kiosk.deviceID] ?? 0
                // Whole batches only, and at least everything acknowledged (an answer lost in
                // the shutdown may leave one more batch stored: the kiosk's retry dedupes it).
                #expect(stored % Int(batchSize) == 0, "a batch was cut: \(stored) items stored")
                #expect(stored >= Int(acknowledged) && stored <= Int(acknowledged + batchSize))
                sawWork = sawWork || stored > 0
            }
            #expect(sawWork)
            #expect(answered.values.contains { $0 < 50 * batchSize }, "the hub stopped after all batches were sent; SIGTERM came too late to test anything")
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    /// `name{labels} value` lines of a Prometheus exposition, by name with labels.
    static func samples(_ text: String) -> [String: Double] {
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            values[String(line[..<space])] = value
        }
        return values
    }
}

/// A CA and a server certificate for 127.0.0.1, made with openssl in a temporary folder.
struct TestPKI {
    let caCertificate: String
    let serverCertificate: String
    let serverKey: String

    static func make() async throws -> TestPKI {
        let openssl = try TestEnvironment.requireProgram("/usr/bin/openssl", package: "openssl")
        let directory = try TestEnvironment.temporaryDirectory("pki")
        let ca = "\(directory)/ca"
        let server = "\(directory)/server"
        try await TestEnvironment.run(openssl, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                                "-keyout", "\(ca).key", "-out", "\(ca).pem", "-days", "2", "-subj", "/CN=Zizhu test operator CA"])
        try await TestEnvironment.run(openssl, ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                                "-keyout", "\(server).key", "-out", "\(server).csr", "-subj", "/CN=127.0.0.1"])
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: "\(server).ext", atomically: true, encoding: .utf8)
        try await TestEnvironment.run(openssl, ["x509", "-req", "-in", "\(server).csr", "-CA", "\(ca).pem", "-CAkey", "\(ca).key",
                                                "-CAcreateserial", "-out", "\(server).pem", "-days", "2", "-extfile", "\(server).ext"])
        return TestPKI(caCertificate: "\(ca).pem", serverCertificate: "\(server).pem", serverKey: "\(server).key")
    }
}
