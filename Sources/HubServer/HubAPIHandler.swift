import Crypto
import Foundation
import HubAPI
import HubStore
import Logging
import OpenAPIRuntime
import Prometheus

/// The hub's implementation of the generated `APIProtocol`: one method per operation in openapi.yaml.
///
/// Signatures and body limits are checked before these methods run (``KioskSignatureMiddleware``);
/// the signing kiosk's device ID arrives in ``AuthenticatedKiosk``.
struct HubAPIHandler: APIProtocol {
    let store: any HubStore
    let settings: HubServerSettings
    let metrics: HubMetrics
    let logger: Logger

    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        .ok(.init(body: .json(.init(status: .ok, version: ZizhuVersion.current))))
    }

    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        .ok(.init(body: .plainText(HTTPBody(metrics.exposition()))))
    }

    func enroll(_ input: Operations.Enroll.Input) async throws -> Operations.Enroll.Output {
        guard case .json(let request) = input.body else { return .badRequest(.init(body: .json(Self.problem("bad_body", "Expected JSON.")))) }
        guard let raw = Data(base64Encoded: request.publicKey), raw.count == 32,
              (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil else {
            return .badRequest(.init(body: .json(Self.problem("bad_public_key", "public_key must be a raw 32-byte Ed25519 key in base64."))))
        }
        let now = Date()
        let outcome: Result<KioskRecord, EnrollmentRefusal>
        do {
            outcome = try await store.enroll(code: request.code, publicKey: raw, now: now)
        } catch {
            return .serviceUnavailable(.init(body: .json(unavailable(error))))
        }
        switch outcome {
        case .success(let kiosk):
            logger.info("kiosk enrolled", metadata: ["device.id": "\(kiosk.deviceID)"])
            metrics.enrollments.increment()
            // The kiosk's first update tells it where it belongs; later ones come from services.
            let payload = (try? String(decoding: JSONEncoder().encode(["office": kiosk.office]), as: UTF8.self)) ?? "{}"
            _ = try? await store.publishUpdate(deviceID: kiosk.deviceID, kind: "kiosk.enrolled", payloadJSON: payload, now: now)
            return .created(.init(body: .json(.init(deviceId: kiosk.deviceID, office: kiosk.office))))
        case .failure(let refusal):
            logger.notice("enrollment refused", metadata: ["reason": "\(refusal.rawValue)"])
            let message: String
            switch refusal {
            case .unknownCode: message = "No such enrollment code; ask the operator for a new one."
            case .codeAlreadyUsed: message = "This enrollment code was already used; each code enrolls one kiosk."
            case .codeExpired: message = "This enrollment code has expired; ask the operator for a new one."
            case .keyAlreadyEnrolled: message = "This public key is already enrolled."
            }
            return .forbidden(.init(body: .json(Self.problem(refusal.rawValue, message))))
        }
    }

    func submitTransactions(_ input: Operations.SubmitTransactions.Input) async throws -> Operations.SubmitTransactions.Output {
        guard let deviceID = AuthenticatedKiosk.deviceID else {
            return .unauthorized(.init(body: .json(Self.problem("missing_signature", "Kiosk requests must be signed."))))
        }
        guard case .json(let batch) = input.body else { return .badRequest(.init(body: .json(Self.problem("bad_body", "Expected JSON.")))) }
        guard batch.deviceId == deviceID else {
            return .forbidden(.init(body: .json(Self.problem("device_mismatch", "The batch names another kiosk than the one that signed it."))))
        }
        guard batch.items.count <= settings.maxBatchItems else {
            return .contentTooLarge(.init(body: .json(Self.problem(
                "batch_too_large", "The batch holds \(batch.items.count) items; the hub takes at most \(settings.maxBatchItems) per batch."))))
        }
        guard !batch.items.isEmpty else { return .badRequest(.init(body: .json(Self.problem("empty_batch", "A batch holds at least one item.")))) }
        if let violation = ContractValidation.violation(in: batch) {
            return .badRequest(.init(body: .json(Self.problem("bad_request", "The batch does not match the hub's API: \(violation)."))))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var items: [IncomingTransaction] = []
        items.reserveCapacity(batch.items.count)
        for item in batch.items {
            let payload = String(decoding: try encoder.encode(item.payload), as: UTF8.self)
            items.append(IncomingTransaction(seq: item.seq, kind: item.kind, wallTime: item.wallTime, bootID: item.bootId,
                                             monotonicNanoseconds: item.monotonicNs, payloadJSON: payload))
        }
        let result: IngestionResult
        let started = ContinuousClock.now
        do {
            result = try await store.ingest(deviceID: deviceID, items: items, limits: settings.ingestion, now: Date())
        } catch {
            return .serviceUnavailable(.init(body: .json(unavailable(error))))
        }
        metrics.recordBatch(result, applied: ContinuousClock.now - started)
        if !result.conflicts.isEmpty {
            logger.error("kiosk redelivered seqs with different content; the stored items stand", metadata: [
                "device.id": "\(deviceID)", "batch.conflicts": "\(result.conflicts.count)", "seq.first": "\(result.conflicts[0])",
            ])
        }
        logger.info("batch applied", metadata: [
            "device.id": "\(deviceID)", "batch.items": "\(items.count)", "batch.duplicates": "\(result.duplicates.count)",
            "batch.rejected": "\(result.rejected.count)", "device.contiguous_through": "\(result.contiguousThrough)",
            "device.gaps": "\(result.gaps.count)",
        ])
        return .ok(.init(body: .json(.init(
            accepted: result.accepted,
            rejected: result.rejected.map { .init(seq: $0.seq, reason: .init(rawValue: $0.reason.rawValue)!) },
            duplicates: result.duplicates,
            conflicts: result.conflicts,
            contiguousThrough: result.contiguousThrough,
            gaps: result.gaps.map { .init(first: $0.lowerBound, last: $0.upperBound) },
            clockSkewFlagged: result.clockSkewFlagged))))
    }

    func sendHeartbeat(_ input: Operations.SendHeartbeat.Input) async throws -> Operations.SendHeartbeat.Output {
        guard let deviceID = AuthenticatedKiosk.deviceID else {
            return .unauthorized(.init(body: .json(Self.problem("missing_signature", "Kiosk requests must be signed."))))
        }
        guard case .json(let heartbeat) = input.body else { return .badRequest(.init(body: .json(Self.problem("bad_body", "Expected JSON.")))) }
        if let violation = ContractValidation.violation(in: heartbeat) {
            return .badRequest(.init(body: .json(Self.problem("bad_request", "The heartbeat does not match the hub's API: \(violation)."))))
        }
        let now = Date()
        let skew = Int64((heartbeat.wallTime.timeIntervalSince(now) * 1000).rounded())
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .iso8601
        let report = String(decoding: try encoder.encode(heartbeat), as: UTF8.self)
        do {
            try await store.recordHeartbeat(StoredHeartbeat(deviceID: deviceID, receivedAt: now, clockSkewMilliseconds: skew, reportJSON: report),
                                            historyLimit: settings.heartbeatHistory)
        } catch {
            return .serviceUnavailable(.init(body: .json(unavailable(error))))
        }
        let flagged = abs(skew) > settings.clockSkewTolerance.components.seconds * 1000
        metrics.heartbeats.increment()
        if flagged { metrics.clockSkewFlags.increment() }
        if flagged { logger.warning("kiosk clock skewed", metadata: ["device.id": "\(deviceID)", "clock.skew_ms": "\(skew)"]) }
        return .ok(.init(body: .json(.init(receivedAt: now, clockSkewMs: skew, clockSkewFlagged: flagged))))
    }

    func getUpdates(_ input: Operations.GetUpdates.Input) async throws -> Operations.GetUpdates.Output {
        guard let deviceID = AuthenticatedKiosk.deviceID else {
            return .unauthorized(.init(body: .json(Self.problem("missing_signature", "Kiosk requests must be signed."))))
        }
        let after = input.query.after ?? 0
        let limit = Int(input.query.limit ?? 100)
        guard after >= 0, (1...500).contains(limit) else {
            return .badRequest(.init(body: .json(Self.problem("bad_query", "after must be ≥ 0 and limit within 1…500."))))
        }
        let stored: [StoredUpdate]
        do {
            stored = try await store.updates(deviceID: deviceID, after: after, limit: limit)
        } catch {
            return .serviceUnavailable(.init(body: .json(unavailable(error))))
        }
        let decoder = JSONDecoder()
        let updates = try stored.map { update in
            Components.Schemas.Update(cursor: update.cursor, kind: update.kind,
                                      payload: try decoder.decode(Components.Schemas.Update.PayloadPayload.self, from: Data(update.payloadJSON.utf8)),
                                      createdAt: update.createdAt)
        }
        return .ok(.init(body: .json(.init(updates: updates, nextCursor: stored.last?.cursor ?? after))))
    }

    static func problem(_ reason: String, _ message: String) -> Components.Schemas.Problem {
        .init(reason: reason, message: message)
    }

    private func unavailable(_ error: HubStoreError) -> Components.Schemas.Problem {
        logger.error("database unavailable", metadata: ["error": "\(error)"])
        return Self.problem("database_unavailable", "The hub's database is unavailable; nothing changed. Retry later with the same seqs.")
    }
}
