import CardEmulation
import Foundation
import Logging

/// What the operator put in the reader.
enum InsertedCard: Sendable {
    /// A chip without applications (`--blank`).
    case blank
    /// A social security card whose memory is the profile file at `path`.
    case profile(path: String, CardProfile)

    var summary: String {
        switch self {
        case .blank: return "blank"
        case .profile(let path, _): return "profile=\(path)"
        }
    }
}

/// The emulator's one card slot. An inserted card is served on its own thread: connecting to vpcd
/// inserts it, closing the connection removes it. While a card is inserted and pcscd goes away,
/// the thread reconnects every 200 ms, so the card is back as soon as pcscd is.
final class CardSlot: @unchecked Sendable {
    // @unchecked: every mutable property, here and in `Insertion`, is only touched with
    // `condition` locked.
    private let condition = NSCondition()
    private var current: Insertion?
    private let host: String
    private let port: UInt16
    private let logger: Logger
    /// See ``EmulatorSession/pullOutBefore``.
    private let pullOutBefore: (@Sendable ([UInt8]) -> Bool)?

    /// One insertion's lifetime: from `insert` until its thread has closed the connection.
    private final class Insertion: @unchecked Sendable {
        let card: InsertedCard
        var isRemoved = false
        var isFinished = false
        /// The live vpcd connection, so `remove` can shut it down under a blocked receive.
        var link: VPCDLink?

        init(card: InsertedCard) {
            self.card = card
        }
    }

    static let reconnectInterval: TimeInterval = 0.2
    /// How long a swapped-out card stays out: more than one pcscd polling period.
    static let swapPause: TimeInterval = 0.6

    init(host: String, port: UInt16, logger: Logger, pullOutBefore: (@Sendable ([UInt8]) -> Bool)? = nil) {
        self.host = host
        self.port = port
        self.logger = logger
        self.pullOutBefore = pullOutBefore
    }

    /// Inserts `card`, pulling out whatever was inserted before.
    func insert(_ card: InsertedCard) {
        if remove() {
            // A hand swapping cards leaves the slot empty for a moment; pcscd polls vpcd every
            // 400 ms, so a swap faster than that would look to it (and to the kiosk) like the same
            // card still sitting there.
            Thread.sleep(forTimeInterval: Self.swapPause)
        }
        let insertion = Insertion(card: card)
        locked { current = insertion }
        logger.info("card inserted", metadata: ["card": .string(card.summary)])
        let thread = Thread { [self] in serve(insertion) }
        thread.name = "vpcd link"
        thread.start()
    }

    /// Pulls the card out and waits until its connection is closed. False if the slot was empty.
    @discardableResult
    func remove() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard let insertion = current else { return false }
        insertion.isRemoved = true
        insertion.link?.shutdown()
        condition.broadcast()   // ends a reconnect pause at once
        while !insertion.isFinished { condition.wait() }
        current = nil
        logger.info("card removed", metadata: ["card": .string(insertion.card.summary)])
        return true
    }

    /// `card=none`, or `card=inserted vpcd=connected|waiting <what>`.
    var status: String {
        locked {
            guard let current else { return "card=none" }
            return "card=inserted vpcd=\(current.link == nil ? "waiting" : "connected") \(current.card.summary)"
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }

    /// The insertion's thread: connect, serve until vpcd closes, and again, until removed.
    private func serve(_ insertion: Insertion) {
        let card = makeCard(insertion.card)
        var isWaitingLogged = false
        while !locked({ insertion.isRemoved }) {
            let link: VPCDLink
            do {
                link = try VPCDLink(host: host, port: port)
            } catch {
                if !isWaitingLogged {
                    logger.info("waiting for vpcd", metadata: ["vpcd.port": .stringConvertible(port), "reason": .string("\(error)")])
                    isWaitingLogged = true
                }
                pause(insertion)
                continue
            }
            let isRemoved = locked {
                if !insertion.isRemoved { insertion.link = link }
                return insertion.isRemoved
            }
            if isRemoved { break }
            isWaitingLogged = false
            logger.info("connected to vpcd", metadata: ["vpcd.port": .stringConvertible(port)])
            // A new connection is a fresh insertion: power comes up from nothing.
            card.resetVolatileState()
            do {
                if try EmulatorSession(link: link, card: card, pullOutBefore: pullOutBefore).run() == .pulledOut {
                    logger.info("card pulled out mid-command", metadata: ["vpcd.port": .stringConvertible(port)])
                    locked { insertion.isRemoved = true }
                }
            } catch VPCDLink.LinkError.closed {
                // The normal end: removed here, or pcscd stopped.
            } catch {
                logger.error("vpcd link failed", metadata: ["error": .string("\(error)")])
            }
            let wasRemoved = locked {
                insertion.link = nil
                return insertion.isRemoved
            }
            if wasRemoved { break }
            logger.info("vpcd closed the connection; reconnecting", metadata: ["vpcd.port": .stringConvertible(port)])
            pause(insertion)
        }
        locked {
            insertion.isFinished = true
            condition.broadcast()
        }
    }

    /// Waits the reconnect interval, or less if the card is removed meanwhile.
    private func pause(_ insertion: Insertion) {
        let deadline = Date(timeIntervalSinceNow: Self.reconnectInterval)
        condition.lock()
        defer { condition.unlock() }
        while !insertion.isRemoved && condition.wait(until: deadline) {}
    }

    private func makeCard(_ inserted: InsertedCard) -> any EmulatedCard {
        let card: any EmulatedCard
        switch inserted {
        case .blank:
            card = BlankCard()
        case .profile(let path, let profile):
            card = ProfileCard(path: path, profile: profile, logger: logger)
        }
        return logger.logLevel <= .debug ? APDULoggingCard(card: card, logger: logger) : card
    }
}

/// A social security card whose PIN state is written back to its profile file.
private final class ProfileCard: EmulatedCard {
    private let applet: SocialSecurityCardApplet

    init(path: String, profile: CardProfile, logger: Logger) {
        var stored = profile
        // The profile was validated when it was inserted; this can only fail if that changed.
        guard let image = try? profile.image(file: path) else {
            preconditionFailure("a profile validated at insertion no longer validates")
        }
        applet = SocialSecurityCardApplet(image: image) { state in
            stored.pin = state.digits
            stored.pinTriesLeft = state.triesLeft
            do {
                try stored.write(to: path)
            } catch {
                logger.error("cannot store the PIN state", metadata: ["error": .string("\(error)")])
                throw error
            }
        }
    }

    var atr: [UInt8] { applet.atr }
    func resetVolatileState() { applet.resetVolatileState() }
    func respond(to command: [UInt8]) -> [UInt8] { applet.respond(to: command) }
}

/// Logs every command (PIN data masked) and status word at debug level.
private final class APDULoggingCard: EmulatedCard {
    private let card: any EmulatedCard
    private let logger: Logger

    init(card: any EmulatedCard, logger: Logger) {
        self.card = card
        self.logger = logger
    }

    var atr: [UInt8] { card.atr }

    func resetVolatileState() {
        card.resetVolatileState()
    }

    func respond(to command: [UInt8]) -> [UInt8] {
        let response = card.respond(to: command)
        // Only the status word: response data is the holder's personal data.
        let statusWord = response.suffix(2).map { String(format: "%02X", $0) }.joined()
        logger.debug("apdu", metadata: [
            "command": .string(SocialSecurityCardApplet.loggableHex(command)),
            "sw": .string(statusWord),
            "data.length": .stringConvertible(response.count - 2),
        ])
        return response
    }
}
