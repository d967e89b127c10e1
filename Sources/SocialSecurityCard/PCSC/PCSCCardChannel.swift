import CPCSCLite
import Synchronization

/// A connection to the card in one reader, through pcscd: the real ``CardChannel``.
///
/// The card is held exclusively (no other process can talk to it while the kiosk reads it), and
/// the connection is released on every path: by ``disconnect()``, or on deinit.
public final class PCSCCardChannel: CardChannel, @unchecked Sendable {
    // @unchecked: the handle is pcscd's; `state` guards it, and libpcsclite serialises calls on
    // one card handle.
    private let context: PCSCContext
    private let state: Mutex<(handle: SCARDHANDLE, isOpen: Bool)>
    /// The protocol pcscd negotiated (T=0 or T=1).
    public let activeProtocol: DWORD
    /// The card's Answer To Reset.
    public let atr: [UInt8]

    /// Connects to the card in `reader`, exclusively, with T=0 or T=1.
    /// - Throws: `.noCard`, `.cardRemoved`, or `.readerFault` for anything the citizen cannot fix.
    public init(context: PCSCContext, reader: String) throws(CardError) {
        var handle: SCARDHANDLE = 0
        var negotiated: DWORD = 0
        let result = SCardConnect(context.handle, reader, DWORD(SCARD_SHARE_EXCLUSIVE),
                                  DWORD(SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1), &handle, &negotiated)
        guard result == SCARD_S_SUCCESS else { throw Self.cardError(result) }
        self.context = context
        state = Mutex((handle, true))
        activeProtocol = negotiated
        atr = Self.readATR(handle) ?? []
    }

    deinit {
        disconnect()
    }

    public func transmit(_ command: [UInt8]) throws(CardError) -> [UInt8] {
        let outcome: Result<[UInt8], CardError> = state.withLock { state in
            guard state.isOpen else { return .failure(.cardRemoved) }
            // 256 data bytes + SW1 SW2: the spec's terminal supplement requires accepting a full
            // 256-byte response.
            var response = [UInt8](repeating: 0, count: 258)
            var length = DWORD(response.count)
            let pci = activeProtocol == DWORD(SCARD_PROTOCOL_T1) ? g_rgSCardT1Pci : g_rgSCardT0Pci
            let result = withUnsafePointer(to: pci) { pciPointer in
                SCardTransmit(state.handle, pciPointer, command, DWORD(command.count), nil, &response, &length)
            }
            guard result == SCARD_S_SUCCESS else { return .failure(Self.cardError(result)) }
            // A card pulled mid-command can come back as success with no bytes (vpcd does this):
            // ResponseAPDU turns fewer than two bytes into .cardRemoved.
            return .success(Array(response.prefix(Int(length))))
        }
        return try outcome.get()
    }

    /// Runs `body` inside a PC/SC transaction, so the card sees one uninterrupted sequence.
    public func withTransaction<T>(_ body: () throws(CardError) -> T) throws(CardError) -> T {
        let handle = state.withLock { $0.handle }
        let begin = SCardBeginTransaction(handle)
        guard begin == SCARD_S_SUCCESS else { throw Self.cardError(begin) }
        defer { _ = SCardEndTransaction(handle, DWORD(SCARD_LEAVE_CARD)) }
        return try body()
    }

    /// Releases the card and resets it, so a verified PIN does not outlive the session.
    public func disconnect() {
        state.withLock { state in
            guard state.isOpen else { return }
            _ = SCardDisconnect(state.handle, DWORD(SCARD_RESET_CARD))
            state.isOpen = false
        }
    }

    private static func readATR(_ handle: SCARDHANDLE) -> [UInt8]? {
        var atr = [UInt8](repeating: 0, count: Int(MAX_ATR_SIZE))
        var atrLength = DWORD(atr.count)
        var readerLength: DWORD = 0
        var cardState: DWORD = 0
        var cardProtocol: DWORD = 0
        let result = SCardStatus(handle, nil, &readerLength, &cardState, &cardProtocol, &atr, &atrLength)
        guard result == SCARD_S_SUCCESS else { return nil }
        return Array(atr.prefix(Int(atrLength)))
    }

    static func cardError(_ code: LONG) -> CardError {
        let error = PCSCError(code: code)
        switch error.kind {
        case .cardRemoved, .unresponsiveCard: return .cardRemoved
        case .noCard: return .noCard
        default: return .readerFault(error)
        }
    }
}
