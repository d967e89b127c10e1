import CPCSCLite
import Glibc

/// A connection to pcscd: the resource-manager context every PC/SC call goes through.
///
/// Which pcscd answers is decided by libpcsclite: the system socket, or `PCSCLITE_CSOCK_NAME`
/// when set (tests and the demo point it at a private pcscd).
public final class PCSCContext: @unchecked Sendable {
    // @unchecked: the handle is an integer owned by pcscd; libpcsclite serialises calls on one
    // context internally, and `release` happens once, in deinit.
    let handle: SCARDCONTEXT

    /// Establishes a context with pcscd.
    /// - Throws: ``PCSCError`` — `.noService` when pcscd is not running.
    public init() throws(PCSCError) {
        var context: SCARDCONTEXT = 0
        let result = SCardEstablishContext(DWORD(SCARD_SCOPE_SYSTEM), nil, nil, &context)
        guard result == SCARD_S_SUCCESS else { throw PCSCError(code: result) }
        handle = context
    }

    deinit {
        _ = SCardReleaseContext(handle)
    }

    /// The names of the readers pcscd knows, in pcscd's order. An empty list is not an error:
    /// it means no reader is attached.
    public func readerNames() throws(PCSCError) -> [String] {
        var length: DWORD = 0
        var result = SCardListReaders(handle, nil, nil, &length)
        if result == SCARD_E_NO_READERS_AVAILABLE { return [] }
        guard result == SCARD_S_SUCCESS else { throw PCSCError(code: result) }
        var buffer = [CChar](repeating: 0, count: Int(length))
        result = SCardListReaders(handle, nil, &buffer, &length)
        if result == SCARD_E_NO_READERS_AVAILABLE { return [] }
        guard result == SCARD_S_SUCCESS else { throw PCSCError(code: result) }
        return Self.splitMultiString(buffer.prefix(Int(length)))
    }

    /// Whether a card sits in the reader right now, without waiting for a change.
    public func cardPresence(reader: String) throws(PCSCError) -> CardPresence {
        guard let name = strdup(reader) else { throw PCSCError(code: SCARD_E_NO_MEMORY) }
        defer { free(name) }
        var state = SCARD_READERSTATE()
        state.szReader = UnsafePointer(name)
        state.dwCurrentState = DWORD(SCARD_STATE_UNAWARE)
        let result = SCardGetStatusChange(handle, 0, &state, 1)
        guard result == SCARD_S_SUCCESS || result == SCARD_E_TIMEOUT else { throw PCSCError(code: result) }
        let event = state.dwEventState
        if event & DWORD(SCARD_STATE_UNKNOWN) != 0 || event & DWORD(SCARD_STATE_UNAVAILABLE) != 0 {
            throw PCSCError(code: SCARD_E_UNKNOWN_READER)
        }
        guard event & DWORD(SCARD_STATE_PRESENT) != 0 else { return .empty }
        // rgbAtr is imported as a 33-byte tuple.
        let atr = withUnsafeBytes(of: state.rgbAtr) { Array($0.prefix(Int(state.cbAtr))) }
        // The upper 16 bits of the event state count the reader's card events, so a card swapped
        // between two looks shows as a new count even when both cards have the same ATR.
        return .present(atr: atr, eventCount: Int(event >> 16))
    }

    /// Splits PC/SC's multi-string ("a\0b\0\0") into its parts.
    static func splitMultiString(_ bytes: some Collection<CChar>) -> [String] {
        bytes.split(separator: 0).map { part in
            String(decoding: part.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}

/// Whether a reader holds a card.
public enum CardPresence: Equatable, Sendable {
    case empty
    /// A card is in the reader; `atr` is its Answer To Reset.
    /// `eventCount` changes with every insertion and removal pcscd saw in this reader.
    case present(atr: [UInt8], eventCount: Int)
}
