/// What an ESC/POS printer's sensors say, as `DLE EOT 1…4` report it.
///
/// Each reply is one byte of the form `0xx1xx10` (bits 1 and 4 set, bits 0 and 7 clear); the
/// other bits are flags. Only the flags a receipt kiosk acts on are kept.
public struct PrinterCondition: Equatable, Sendable, CustomStringConvertible {
    /// Paper roll near-end sensor: a few metres left (`DLE EOT 4`, bits 2–3).
    public var paperNearEnd = false
    /// Paper end sensor: nothing to print on (`DLE EOT 4`, bits 5–6; `DLE EOT 2` bit 5).
    public var paperOut = false
    /// Cover open (`DLE EOT 2`, bit 2).
    public var coverOpen = false
    /// Off line for another reason (`DLE EOT 1`, bit 3), e.g. the feed button held.
    public var offline = false
    /// Cutter or unrecoverable error (`DLE EOT 3`, bits 3, 5).
    public var mechanicalError = false

    public init(paperNearEnd: Bool = false, paperOut: Bool = false, coverOpen: Bool = false,
                offline: Bool = false, mechanicalError: Bool = false) {
        self.paperNearEnd = paperNearEnd
        self.paperOut = paperOut
        self.coverOpen = coverOpen
        self.offline = offline
        self.mechanicalError = mechanicalError
    }

    /// Whether the printer will print what it is sent now.
    public var canPrint: Bool { !paperOut && !coverOpen && !offline && !mechanicalError }

    /// The byte a printer in this condition answers to `DLE EOT n`, or nil for an n it does not know.
    public func reply(to n: UInt8) -> UInt8? {
        var byte: UInt8 = 0x12
        switch n {
        case 1:
            // The printer is off line whenever it cannot print.
            if !canPrint { byte |= 0x08 }
        case 2:
            if coverOpen { byte |= 0x04 }
            if paperOut { byte |= 0x20 }
            if mechanicalError { byte |= 0x40 }
        case 3:
            if mechanicalError { byte |= 0x28 }
        case 4:
            if paperNearEnd || paperOut { byte |= 0x0C }
            if paperOut { byte |= 0x60 }
        default:
            return nil
        }
        return byte
    }

    /// Reads the four replies back.
    /// - Returns: nil if a reply is not of the `0xx1xx10` form (not an ESC/POS printer, or line noise).
    public init?(replies: [UInt8: UInt8]) {
        for byte in replies.values where byte & 0x93 != 0x12 { return nil }
        let printer = replies[1] ?? 0x12, cause = replies[2] ?? 0x12, error = replies[3] ?? 0x12, paper = replies[4] ?? 0x12
        paperOut = paper & 0x60 != 0 || cause & 0x20 != 0
        paperNearEnd = paper & 0x0C != 0 && !paperOut
        coverOpen = cause & 0x04 != 0
        mechanicalError = error & 0x28 != 0 || cause & 0x40 != 0
        // Off line is implied by the causes above; it is its own fault only when none explains it.
        offline = printer & 0x08 != 0 && !paperOut && !coverOpen && !mechanicalError
    }

    /// The IPP `printer-state-reasons` keywords this condition sets, as a CUPS backend reports them.
    public var ippReasons: Set<String> {
        var reasons: Set<String> = []
        if paperOut { reasons.insert("media-empty-error") }
        if paperNearEnd { reasons.insert("media-low-report") }
        if coverOpen { reasons.insert("cover-open-error") }
        if offline { reasons.insert("offline-report") }
        if mechanicalError { reasons.insert("other-error") }
        return reasons
    }

    /// Every keyword a backend may set, so that it can clear those that no longer hold.
    public static let allIPPReasons: Set<String> = ["media-empty-error", "media-low-report", "cover-open-error", "offline-report", "other-error"]

    public var description: String {
        var parts: [String] = []
        if paperOut { parts.append("paper out") }
        if paperNearEnd { parts.append("paper near end") }
        if coverOpen { parts.append("cover open") }
        if offline { parts.append("offline") }
        if mechanicalError { parts.append("mechanical error") }
        return parts.isEmpty ? "ready" : parts.joined(separator: ", ")
    }
}
