import HubStore

/// The hub's limits and tolerances, from `HubConfiguration`.
public struct HubServerSettings: Sendable {
    /// Largest request body read, in bytes; beyond it the answer is 413.
    public var maxBodyBytes: Int
    /// Most items in one batch; beyond it the answer is 413.
    public var maxBatchItems: Int
    /// A signature's `created` may differ from the hub's clock by at most this much, either way.
    public var signatureWindow: Duration
    /// Per-item limits inside a batch.
    public var ingestion: IngestionLimits
    /// Heartbeats kept per kiosk.
    public var heartbeatHistory: Int
    /// A heartbeat whose wall clock differs from the hub's by more than this is flagged.
    public var clockSkewTolerance: Duration
    /// The operator's certificate and key; `nil` serves plain HTTP, on loopback only.
    public var tls: HubTLSFiles?
    /// Verify-page requests one client address may make at once, and per minute after that.
    public var verifyBurst = 30
    public var verifyPerMinute = 30
    /// Staff sessions, login limits and the fleet view's thresholds.
    public var dashboard = DashboardSettings()

    public init(maxBodyBytes: Int = 1 << 20, maxBatchItems: Int = 500, signatureWindow: Duration = .seconds(300),
                ingestion: IngestionLimits = IngestionLimits(), heartbeatHistory: Int = 100,
                clockSkewTolerance: Duration = .seconds(30), tls: HubTLSFiles? = nil) {
        self.tls = tls
        self.maxBodyBytes = maxBodyBytes
        self.maxBatchItems = maxBatchItems
        self.signatureWindow = signatureWindow
        self.ingestion = ingestion
        self.heartbeatHistory = heartbeatHistory
        self.clockSkewTolerance = clockSkewTolerance
    }
}
