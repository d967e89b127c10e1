import HubAPI

/// The bounds openapi.yaml states that the generated decoder does not check (lengths, minimums).
/// A request outside them is answered 400 before anything is stored: a seq of 0 or a 10 kB boot
/// ID is a kiosk fault for a technician, not something to retry or to store.
enum ContractValidation {
    /// The first violated bound, as a message for the 400 body, or `nil`.
    static func violation(in batch: Components.Schemas.TransactionBatch) -> String? {
        for (index, item) in batch.items.enumerated() {
            let at = "items[\(index)]"
            if item.seq < 1 { return "\(at).seq must be ≥ 1" }
            if let problem = bootIDViolation(item.bootId) { return "\(at).\(problem)" }
            if item.monotonicNs < 0 { return "\(at).monotonic_ns must be ≥ 0" }
        }
        return nil
    }

    static func violation(in heartbeat: Components.Schemas.Heartbeat) -> String? {
        if let problem = bootIDViolation(heartbeat.bootId) { return problem }
        if heartbeat.monotonicNs < 0 { return "monotonic_ns must be ≥ 0" }
        if heartbeat.softwareVersion.unicodeScalars.count > 64 { return "software_version must be at most 64 characters" }
        if heartbeat.diskFreeBytes < 0 { return "disk_free_bytes must be ≥ 0" }
        if heartbeat.outbox.pending < 0 { return "outbox.pending must be ≥ 0" }
        if let age = heartbeat.outbox.oldestAgeSeconds, age < 0 { return "outbox.oldest_age_seconds must be ≥ 0" }
        if let parked = heartbeat.outbox.parked, parked < 0 { return "outbox.parked must be ≥ 0" }
        if let items = heartbeat.outbox.parkedItems {
            if items.count > 20 { return "outbox.parked_items holds at most 20" }
            if items.contains(where: { $0.seq < 1 || $0.kind.unicodeScalars.count > 64 || $0.reason.unicodeScalars.count > 64 }) {
                return "outbox.parked_items must match ParkedItem"
            }
        }
        return nil
    }

    /// JSON Schema counts characters as code points, so `unicodeScalars` does too.
    private static func bootIDViolation(_ bootID: String) -> String? {
        (1...64).contains(bootID.unicodeScalars.count) ? nil : "boot_id must be 1 to 64 characters"
    }
}
