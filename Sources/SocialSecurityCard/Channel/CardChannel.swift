/// The card-reader device protocol: one exchange of raw APDU bytes with the card in the reader.
///
/// `PCSCCardChannel` is the real implementation; `MemoryCardChannel` is the fake for unit tests.
/// GET RESPONSE and wrong-Le handling live above this protocol, in ``APDUExchange``.
public protocol CardChannel: Sendable {
    /// Sends one command and returns the raw response (data + SW1 SW2).
    /// - Throws: ``CardError`` — `.cardRemoved` when the card went away.
    func transmit(_ command: [UInt8]) throws(CardError) -> [UInt8]
}

/// A card channel answered by a function: a unit-test fake, typically backed by an emulated card.
public struct MemoryCardChannel: CardChannel {
    private let respond: @Sendable ([UInt8]) throws(CardError) -> [UInt8]

    public init(_ respond: @escaping @Sendable ([UInt8]) throws(CardError) -> [UInt8]) {
        self.respond = respond
    }

    public func transmit(_ command: [UInt8]) throws(CardError) -> [UInt8] {
        try respond(command)
    }
}

/// Sends commands over a ``CardChannel`` the way the social security card spec expects:
/// `61xx` is followed by GET RESPONSE, `6Cxx` by the same command with the right Le; both
/// transparently, and bounded so a misbehaving card cannot loop forever.
public struct APDUExchange: Sendable {
    public let channel: any CardChannel
    /// Called with each command's masked trace and the status word, for debug logging.
    private let trace: @Sendable (String, StatusWord) -> Void

    /// A card that asks for more than this many GET RESPONSEs for one command is broken.
    static let maximumChainedResponses = 16

    public init(channel: any CardChannel, trace: @escaping @Sendable (String, StatusWord) -> Void = { _, _ in }) {
        self.channel = channel
        self.trace = trace
    }

    /// Sends `command` and returns the complete response.
    public func send(_ command: CommandAPDU) throws(CardError) -> ResponseAPDU {
        var response = try exchange(command)
        if case .wrongLength(let correctLe) = response.status.meaning {
            response = try exchange(command.with(le: correctLe))
        }
        var data = response.data
        var rounds = 0
        while case .moreData(let available) = response.status.meaning {
            rounds += 1
            guard rounds <= Self.maximumChainedResponses else { throw .malformedResponse("endless GET RESPONSE chain") }
            response = try exchange(CommandAPDU(cla: 0x00, ins: 0xC0, p1: 0, p2: 0, le: available))
            data += response.data
        }
        return ResponseAPDU(data: data, status: response.status)
    }

    private func exchange(_ command: CommandAPDU) throws(CardError) -> ResponseAPDU {
        let response = try ResponseAPDU(bytes: channel.transmit(command.bytes))
        trace(command.trace, response.status)
        return response
    }
}
