import CPCSCLite
import Foundation
import Synchronization

/// What happens at the card readers, as pcscd reports it.
public enum ReaderEvent: Equatable, Sendable {
    /// A reader is there (reported once for each reader at start, then on attach).
    case readerAttached(String)
    case readerDetached(String)
    case cardInserted(reader: String, atr: [UInt8])
    case cardRemoved(reader: String)
    /// pcscd is gone (stopped, crashed, restarting); the monitor retries with backoff.
    case serviceUnavailable
    /// pcscd answers again after ``serviceUnavailable``; the readers are reported afresh.
    case serviceRestored
}

/// Timings of the reader monitor, injectable so tests can shorten them.
public struct ReaderMonitorTiming: Sendable {
    /// How long one SCardGetStatusChange waits before the loop checks for cancellation.
    public var statusWait: Duration = .milliseconds(500)
    /// First wait before re-establishing a context after pcscd went away.
    public var reconnectInitial: Duration = .milliseconds(200)
    /// Longest wait between reconnection attempts (the backoff doubles up to this).
    public var reconnectMaximum: Duration = .seconds(5)

    public init() {}
}

/// Watches pcscd for reader and card changes and delivers them as an `AsyncStream`.
///
/// SCardGetStatusChange blocks, so the watch runs on its own thread, not on Swift's cooperative
/// pool. The `\\?PnP?\Notification` pseudo-reader reports readers coming and going. When pcscd
/// disappears (`SCARD_E_NO_SERVICE`), the monitor reports it once and re-establishes its context
/// with capped exponential backoff, never in a busy loop.
public enum ReaderMonitor {
    static let plugAndPlayReader = "\\\\?PnP?\\Notification"

    /// Starts watching; the stream ends when the consumer stops iterating (or cancels).
    public static func events(timing: ReaderMonitorTiming = ReaderMonitorTiming()) -> AsyncStream<ReaderEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: ReaderEvent.self, bufferingPolicy: .unbounded)
        let watcher = Watcher(timing: timing, emit: { continuation.yield($0) })
        continuation.onTermination = { _ in watcher.stop() }
        let thread = Thread { watcher.run() }
        thread.name = "zizhu.reader-monitor"
        thread.start()
        return stream
    }

    final class Watcher: Sendable {
        private let timing: ReaderMonitorTiming
        private let emit: @Sendable (ReaderEvent) -> Void
        private let stopped = Atomic<Bool>(false)
        /// The context currently waiting in SCardGetStatusChange, so stop() can cancel it.
        private let current = Mutex<SCARDCONTEXT?>(nil)

        init(timing: ReaderMonitorTiming, emit: @escaping @Sendable (ReaderEvent) -> Void) {
            self.timing = timing
            self.emit = emit
        }

        func stop() {
            stopped.store(true, ordering: .relaxed)
            current.withLock { context in
                if let context { _ = SCardCancel(context) }
            }
        }

        private var isStopped: Bool { stopped.load(ordering: .relaxed) }

        func run() {
            var backoff = timing.reconnectInitial
            var serviceWasLost = false
            while !isStopped {
                var context: SCARDCONTEXT = 0
                let established = SCardEstablishContext(DWORD(SCARD_SCOPE_SYSTEM), nil, nil, &context)
                if established != SCARD_S_SUCCESS {
                    if !serviceWasLost {
                        emit(.serviceUnavailable)
                        serviceWasLost = true
                    }
                    sleep(backoff)
                    backoff = min(backoff * 2, timing.reconnectMaximum)
                    continue
                }
                if serviceWasLost {
                    emit(.serviceRestored)
                    serviceWasLost = false
                }
                backoff = timing.reconnectInitial
                current.withLock { $0 = context }
                let outcome = watch(context)
                current.withLock { $0 = nil }
                _ = SCardReleaseContext(context)
                if outcome == .serviceLost && !isStopped {
                    emit(.serviceUnavailable)
                    serviceWasLost = true
                    sleep(backoff)
                }
            }
        }

        enum WatchOutcome { case stopped, serviceLost }

        /// Watches with one context until pcscd goes away or the monitor is stopped.
        private func watch(_ context: SCARDCONTEXT) -> WatchOutcome {
            var known: [String: DWORD] = [:]      // reader → last event state
            var readersChanged = true
            var plugAndPlayState = DWORD(SCARD_STATE_UNAWARE)
            while !isStopped {
                if readersChanged {
                    guard let names = listReaders(context) else { return .serviceLost }
                    for gone in known.keys where !names.contains(gone) {
                        if known[gone]! & DWORD(SCARD_STATE_PRESENT) != 0 { emit(.cardRemoved(reader: gone)) }
                        emit(.readerDetached(gone))
                        known[gone] = nil
                    }
                    for name in names where known[name] == nil {
                        emit(.readerAttached(name))
                        known[name] = DWORD(SCARD_STATE_UNAWARE)
                    }
                    readersChanged = false
                }
                let names = known.keys.sorted()
                let cNames = (names + [plugAndPlayReader]).map { strdup($0)! }
                defer { cNames.forEach { free($0) } }
                var states = cNames.enumerated().map { index, name -> SCARD_READERSTATE in
                    var state = SCARD_READERSTATE()
                    state.szReader = UnsafePointer(name)
                    state.dwCurrentState = index < names.count ? known[names[index]]! : plugAndPlayState
                    return state
                }
                let milliseconds = DWORD(timing.statusWait.components.seconds * 1000 + timing.statusWait.components.attoseconds / 1_000_000_000_000_000)
                let result = SCardGetStatusChange(context, milliseconds, &states, DWORD(states.count))
                switch result {
                case SCARD_S_SUCCESS: break
                case SCARD_E_TIMEOUT: continue
                case SCARD_E_CANCELLED: return .stopped
                case SCARD_E_NO_READERS_AVAILABLE, SCARD_E_UNKNOWN_READER:
                    // The reader list moved under us: list again after a pause, not in a spin.
                    readersChanged = true
                    sleep(timing.statusWait)
                    continue
                default:
                    return .serviceLost
                }
                for (index, name) in names.enumerated() {
                    let event = states[index].dwEventState
                    guard event & DWORD(SCARD_STATE_CHANGED) != 0 else { continue }
                    let before = known[name]!
                    let clean = event & ~DWORD(SCARD_STATE_CHANGED)
                    known[name] = clean
                    if event & DWORD(SCARD_STATE_UNKNOWN) != 0 || event & DWORD(SCARD_STATE_IGNORE) != 0 {
                        readersChanged = true
                        continue
                    }
                    let wasPresent = before & DWORD(SCARD_STATE_PRESENT) != 0
                    let isPresent = event & DWORD(SCARD_STATE_PRESENT) != 0
                    // The upper 16 bits count events: a card swapped between two polls shows as a
                    // changed counter with PRESENT both times, i.e. a removal and an insertion.
                    let swapped = wasPresent && isPresent && (before >> 16) != (event >> 16) && (before >> 16) != 0
                    if wasPresent && (!isPresent || swapped) { emit(.cardRemoved(reader: name)) }
                    if isPresent && (!wasPresent || swapped) {
                        let atr = withUnsafeBytes(of: states[index].rgbAtr) { Array($0.prefix(Int(states[index].cbAtr))) }
                        emit(.cardInserted(reader: name, atr: atr))
                    }
                }
                let plugAndPlay = states[names.count].dwEventState
                if plugAndPlay & DWORD(SCARD_STATE_CHANGED) != 0 {
                    plugAndPlayState = plugAndPlay & ~DWORD(SCARD_STATE_CHANGED)
                    readersChanged = true
                }
            }
            return .stopped
        }

        private func listReaders(_ context: SCARDCONTEXT) -> [String]? {
            var length: DWORD = 0
            var result = SCardListReaders(context, nil, nil, &length)
            if result == SCARD_E_NO_READERS_AVAILABLE { return [] }
            guard result == SCARD_S_SUCCESS else { return nil }
            var buffer = [CChar](repeating: 0, count: Int(length))
            result = SCardListReaders(context, nil, &buffer, &length)
            if result == SCARD_E_NO_READERS_AVAILABLE { return [] }
            guard result == SCARD_S_SUCCESS else { return nil }
            return PCSCContext.splitMultiString(buffer.prefix(Int(length)))
        }

        private func sleep(_ duration: Duration) {
            // Sleep in short steps so stop() is honoured promptly.
            let clock = ContinuousClock()
            let end = clock.now + duration
            while !isStopped && clock.now < end {
                usleep(20_000)
            }
        }
    }
}
