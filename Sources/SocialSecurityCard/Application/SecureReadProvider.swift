/// The seam for third-generation cards whose full basic information needs authentication by a
/// PSAM in the reader or an online security module (LD/T 6001.5-2023: "基于 PSAM 卡" or
/// "基于加密机") before EF06 can be read.
///
/// Without it (``UnauthenticatedRead``), first- and second-generation cards give everything.
/// A 3.0 card gives EF05 (card identifier, type, version, dates; the card number may be
/// withheld) and answers `6982` for the EF06 records it protects; the kiosk then reports
/// ``CardError/secureReadRequired(field:)`` naming the first protected field, so a technician
/// knows a PSAM or HSM provider must be configured. Which EF06 fields a given province's 3.0
/// cards protect is not settled in the sources (shared/docs/domain.md §1.6).
public protocol SecureReadProvider: Sendable {
    /// Runs the external/internal authentication the card needs, before EF06 is read.
    /// - Parameter specVersion: EF05's 规范版本, e.g. "3.00".
    func authenticate(exchange: APDUExchange, specVersion: String) throws(CardError)
}

/// Reads without authentication: the default, enough for 1.0 and 2.0 cards.
public struct UnauthenticatedRead: SecureReadProvider {
    public init() {}

    public func authenticate(exchange: APDUExchange, specVersion: String) throws(CardError) {}
}
