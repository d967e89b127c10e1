import Foundation

/// Everything the hub keeps, behind one protocol so that the embedded SQLite engine and the
/// PostgreSQL engine are interchangeable and run the same tests.
///
/// Every method is one database transaction: it either happens entirely or not at all.
public protocol HubStore: StaffStore, HubServiceStore, Sendable {
    /// Issues a one-time enrollment code for a kiosk of `office`; only its hash is stored.
    func issueEnrollmentCode(office: String, validFor: Duration, now: Date) async throws(HubStoreError) -> IssuedEnrollmentCode

    /// Uses up `code` and registers `publicKey` (raw Ed25519, 32 bytes) as a new kiosk.
    func enroll(code: String, publicKey: Data, now: Date) async throws(HubStoreError) -> Result<KioskRecord, EnrollmentRefusal>

    /// The kiosk with this device ID, revoked or not.
    func kiosk(deviceID: String) async throws(HubStoreError) -> KioskRecord?

    /// Every enrolled kiosk, oldest first.
    func kiosks() async throws(HubStoreError) -> [KioskRecord]

    /// Marks the kiosk revoked; later requests it signs are refused. False if no such kiosk.
    func revoke(deviceID: String, now: Date) async throws(HubStoreError) -> Bool

    /// Records a signature nonce; false if the kiosk already used it (a replay). Nonces older
    /// than `forgetBefore` are dropped, because signatures that old are refused as stale anyway.
    func recordNonce(deviceID: String, nonce: String, created: Date, forgetBefore: Date) async throws(HubStoreError) -> Bool

    /// Applies one batch in one transaction, keyed by `(deviceID, seq)`. Serialised per kiosk, so
    /// two deliveries of the same batch, even to two hub processes, store each item once.
    func ingest(deviceID: String, items: [IncomingTransaction], limits: IngestionLimits, now: Date) async throws(HubStoreError) -> IngestionResult

    /// How many items of this kiosk are stored (accepted or rejected): for operators and for
    /// checking exactly-once afterwards.
    func storedTransactionCount(deviceID: String) async throws(HubStoreError) -> Int

    /// The certificate registered under a verification code (compact form), if any.
    func certificate(code: String) async throws(HubStoreError) -> StoredCertificate?

    /// Stores a heartbeat and keeps only the latest `historyLimit` of this kiosk.
    func recordHeartbeat(_ heartbeat: StoredHeartbeat, historyLimit: Int) async throws(HubStoreError)

    /// The kiosk's heartbeats, newest first.
    func heartbeats(deviceID: String, limit: Int) async throws(HubStoreError) -> [StoredHeartbeat]

    /// Queues something for a kiosk to fetch through `GET /v1/updates`; returns its cursor.
    func publishUpdate(deviceID: String, kind: String, payloadJSON: String, now: Date) async throws(HubStoreError) -> Int64

    /// The kiosk's updates with a cursor above `after`, oldest first.
    func updates(deviceID: String, after: Int64, limit: Int) async throws(HubStoreError) -> [StoredUpdate]
}

/// A kiosk as the hub knows it.
public struct KioskRecord: Sendable, Equatable {
    public var deviceID: String
    public var office: String
    /// Raw Ed25519 public key, 32 bytes.
    public var publicKey: Data
    public var enrolledAt: Date
    public var revokedAt: Date?

    public init(deviceID: String, office: String, publicKey: Data, enrolledAt: Date, revokedAt: Date?) {
        self.deviceID = deviceID
        self.office = office
        self.publicKey = publicKey
        self.enrolledAt = enrolledAt
        self.revokedAt = revokedAt
    }
}

/// A freshly issued enrollment code: shown once to the operator, never stored in clear.
public struct IssuedEnrollmentCode: Sendable, Equatable {
    public var code: String
    public var office: String
    public var expiresAt: Date
}

/// Why an enrollment was refused; the operator issues a new code.
public enum EnrollmentRefusal: String, Error, Sendable, Equatable {
    case unknownCode = "unknown_code"
    case codeAlreadyUsed = "code_already_used"
    case codeExpired = "code_expired"
    case keyAlreadyEnrolled = "key_already_enrolled"
}

/// One item of a batch as the hub received it.
public struct IncomingTransaction: Sendable, Equatable {
    public var seq: Int64
    public var kind: String
    public var wallTime: Date
    public var bootID: String
    public var monotonicNanoseconds: Int64
    /// The item's payload as JSON text, stored verbatim.
    public var payloadJSON: String

    public init(seq: Int64, kind: String, wallTime: Date, bootID: String, monotonicNanoseconds: Int64, payloadJSON: String) {
        self.seq = seq
        self.kind = kind
        self.wallTime = wallTime
        self.bootID = bootID
        self.monotonicNanoseconds = monotonicNanoseconds
        self.payloadJSON = payloadJSON
    }
}

/// Why the hub refused an item for good. The outcome is stored, so a retry gets the same answer;
/// the kiosk parks the item for an operator instead of retrying.
public enum TransactionRejection: String, Sendable, Equatable, CaseIterable {
    /// `kind` is not a lower-case dotted name such as `certificate.printed`.
    case invalidKind = "invalid_kind"
    /// The payload is larger than ``IngestionLimits/maxPayloadBytes``.
    case payloadTooLarge = "payload_too_large"
    /// A `certificate.printed` item without a well-formed code, canonical form and signature,
    /// or whose code is not the one its signature yields.
    case invalidCertificate = "invalid_certificate"
    /// A `qualification.submitted`, `booking.requested` or `rating.given` item whose payload
    /// lacks or misshapes a field the service needs.
    case invalidServiceItem = "invalid_service_item"
}

/// Per-item limits applied inside a batch.
public struct IngestionLimits: Sendable, Equatable {
    /// Largest payload accepted, in bytes of JSON.
    public var maxPayloadBytes: Int
    /// An item stamped further than this ahead of the hub's clock can only come from a kiosk
    /// whose clock is wrong; it is accepted (order is `seq`, not time) and flagged.
    public var clockSkewTolerance: Duration

    /// Largest `qualification.submitted` payload (it carries JPEG frames), in bytes of JSON.
    public var maxEvidencePayloadBytes: Int
    /// How submissions are decided and how long their evidence is kept.
    public var qualification: QualificationPolicy

    public init(maxPayloadBytes: Int = 64 * 1024, clockSkewTolerance: Duration = .seconds(120),
                maxEvidencePayloadBytes: Int = 512 * 1024, qualification: QualificationPolicy = QualificationPolicy()) {
        self.maxPayloadBytes = maxPayloadBytes
        self.clockSkewTolerance = clockSkewTolerance
        self.maxEvidencePayloadBytes = maxEvidencePayloadBytes
        self.qualification = qualification
    }
}

/// The answer to one batch: the fate of every seq in it.
public struct IngestionResult: Sendable, Equatable {
    /// Seqs stored as accepted, now or by an earlier delivery, in batch order.
    public var accepted: [Int64] = []
    /// Seqs refused, now or by an earlier delivery, with the stored reason.
    public var rejected: [Rejected] = []
    /// Seqs of this batch the hub already had; their outcome above is the stored one.
    public var duplicates: [Int64] = []
    /// Duplicates whose content (kind, payload, times) differs from the stored item: the kiosk
    /// reused a seq, which only a kiosk fault (a restored journal, a bug) explains. The stored
    /// item stands; staff must look at the kiosk.
    public var conflicts: [Int64] = []
    /// Every seq up to this one is stored for the kiosk.
    public var contiguousThrough: Int64 = 0
    /// Seqs missing below the highest one stored: the kiosk must send them.
    public var gaps: [ClosedRange<Int64>] = []
    /// Seqs of this batch whose wall-clock time lies ahead of the hub's clock.
    public var clockSkewFlagged: [Int64] = []

    public struct Rejected: Sendable, Equatable {
        public var seq: Int64
        public var reason: TransactionRejection
    }
}

/// One heartbeat as stored.
public struct StoredHeartbeat: Sendable, Equatable {
    public var deviceID: String
    public var receivedAt: Date
    /// The kiosk's wall clock minus the hub's when the heartbeat arrived, in milliseconds.
    public var clockSkewMilliseconds: Int64
    /// The device health report as JSON.
    public var reportJSON: String

    public init(deviceID: String, receivedAt: Date, clockSkewMilliseconds: Int64, reportJSON: String) {
        self.deviceID = deviceID
        self.receivedAt = receivedAt
        self.clockSkewMilliseconds = clockSkewMilliseconds
        self.reportJSON = reportJSON
    }
}

/// Something flowing back to a kiosk.
public struct StoredUpdate: Sendable, Equatable {
    public var cursor: Int64
    public var kind: String
    public var payloadJSON: String
    public var createdAt: Date
}

/// The database could not do what was asked: the hub answers 503 and the kiosk retries later.
public enum HubStoreError: Error, Sendable, CustomStringConvertible {
    /// The database location is not a file path or a `postgres://` URL.
    case invalidLocation(String)
    /// The database refused or failed (disk full, server down, constraint): a technician looks.
    case database(String)
    /// The schema is newer than this software, or a migration failed.
    case migration(String)

    public var description: String {
        switch self {
        case .invalidLocation(let text): return "not a database location: \(text)"
        case .database(let text): return "database: \(text)"
        case .migration(let text): return "migration: \(text)"
        }
    }
}

/// Dates are stored as whole milliseconds since the Unix epoch in both engines.
extension Date {
    var storedMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
    init(storedMilliseconds: Int64) { self.init(timeIntervalSince1970: Double(storedMilliseconds) / 1000) }
}

/// A printed certificate as the hub recorded it from its `certificate.printed` item.
public struct StoredCertificate: Sendable, Equatable {
    public var code: String
    public var deviceID: String
    public var canonicalForm: Data
    public var signature: Data

    public init(code: String, deviceID: String, canonicalForm: Data, signature: Data) {
        self.code = code
        self.deviceID = deviceID
        self.canonicalForm = canonicalForm
        self.signature = signature
    }
}
