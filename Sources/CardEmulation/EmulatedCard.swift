/// A card the emulator plays: it answers power events and command APDUs like a chip would.
public protocol EmulatedCard: AnyObject {
    /// The Answer To Reset pcscd reports.
    var atr: [UInt8] { get }
    /// Power on, power off or reset: the card forgets volatile state (selected file, PIN verified).
    func resetVolatileState()
    /// Answers one command APDU with response data followed by SW1 SW2 (always at least 2 bytes).
    func respond(to command: [UInt8]) -> [UInt8]
}

/// Builds an ATR `3B 8n 01 <historical bytes> TCK` announcing T=1 with the given historical bytes.
public func makeATR(historicalBytes: [UInt8]) -> [UInt8] {
    precondition(historicalBytes.count <= 15, "an ATR carries at most 15 historical bytes")
    let body = [0x80 | UInt8(historicalBytes.count), 0x01] + historicalBytes
    let checksum = body.reduce(0, ^)
    return [0x3B] + body + [checksum]
}

/// A chip with no applications: it answers every command with the status word a real card gives
/// for something it does not have. Useful to tell "not a social security card" apart from
/// "no card" and "reader fault".
public final class BlankCard: EmulatedCard {
    public let atr = makeATR(historicalBytes: Array("ZIZHU-BLANK".utf8))

    public init() {}

    public func resetVolatileState() {}

    public func respond(to command: [UInt8]) -> [UInt8] {
        guard command.count >= 4 else { return [0x67, 0x00] }
        let cla = command[0]
        let ins = command[1]
        guard cla == 0x00 || cla == 0x80 else { return [0x6E, 0x00] }
        switch ins {
        case 0xA4: return [0x6A, 0x82]      // SELECT: no such file or application
        case 0xB0, 0xB2: return [0x69, 0x86] // READ BINARY / RECORD: no current EF
        default: return [0x6D, 0x00]
        }
    }
}

/// Runs a card on a vpcd link until the link closes.
public struct EmulatorSession {
    public let link: VPCDLink
    public let card: any EmulatedCard
    /// When it returns true for a command, the card leaves the reader instead of answering: a
    /// citizen pulling the card out in the middle of a command (tests of the reader side).
    public let pullOutBefore: (@Sendable ([UInt8]) -> Bool)?

    /// How a session ended without an error.
    public enum End: Equatable {
        /// The card was pulled out mid-command (``pullOutBefore``); the slot is now empty.
        case pulledOut
    }

    public init(link: VPCDLink, card: any EmulatedCard, pullOutBefore: (@Sendable ([UInt8]) -> Bool)? = nil) {
        self.link = link
        self.card = card
        self.pullOutBefore = pullOutBefore
    }

    /// Serves vpcd until pcscd closes the connection, or the card is pulled out.
    /// - Throws: ``VPCDLink/LinkError``; `.closed` is the normal end.
    public func run() throws(VPCDLink.LinkError) -> End {
        while true {
            switch try link.receive() {
            case .control(.getATR):
                // pcscd polls the ATR every 400 ms to see whether the card is still there:
                // answer every time or it counts as removed.
                try link.send(card.atr)
            case .control:
                card.resetVolatileState()
            case .unknownControl:
                continue   // vpcd defines no other codes; ignoring keeps the card "present"
            case .apdu(let command):
                if let pullOutBefore, pullOutBefore(command) {
                    link.shutdown()
                    return .pulledOut
                }
                try link.send(card.respond(to: command))
            }
        }
    }
}
