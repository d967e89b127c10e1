import Logging
import ServiceLifecycle

/// The journal's housekeeping while the kiosk runs: deletes face evidence past its retention
/// limit and re-creates the ballast file once the disk has room again.
public struct JournalMaintenance: Service {
    let database: AppDatabase
    /// How long face evidence may stay on the kiosk, delivered or not.
    public let faceEvidenceRetention: Duration
    let interval: Duration

    public init(database: AppDatabase, faceEvidenceRetention: Duration, interval: Duration = .seconds(60)) {
        self.database = database
        self.faceEvidenceRetention = faceEvidenceRetention
        self.interval = interval
    }

    /// One pass; what the service does every `interval`.
    public func runOnce() {
        do {
            try database.sweepFaceEvidence(retention: faceEvidenceRetention)
        } catch {
            database.logger.error("face evidence sweep failed; a technician must check the journal", metadata: ["error": "\(error)"])
        }
        if let ballast = database.ballast, !ballast.isInPlace {
            if ballast.create(reserve: database.diskReserve) {
                database.logger.notice("ballast file re-created; the kiosk takes new services again", metadata: ["ballast": "\(ballast.path)"])
            }
        }
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            runOnce()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
