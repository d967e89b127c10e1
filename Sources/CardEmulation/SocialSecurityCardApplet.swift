/// The SSSE application of a social security card (社会保障卡), as a chip answers it
/// (shared/docs/domain.md §1.2–§1.6).
///
/// Files: MF 3F00 › SSSE (selected by DF name) › EF05 and EF06, TLV record files whose record
/// numbers follow ``CardImage/ef05`` and ``CardImage/ef06``. Commands: SELECT, READ RECORD (by
/// tag, by record number, by SFI 5/6), GET RESPONSE after `61 xx`, VERIFY and CHANGE PIN of the
/// SSSE PIN. Nothing here does I/O: the PIN state goes out through the `persist` closure, which
/// the emulator uses to write it back to the profile file.
public final class SocialSecurityCardApplet: EmulatedCard {
    /// The SSSE DF name: "sx1.sh." followed by GBK "社会保障".
    public static let ssseName: [UInt8] = [0x73, 0x78, 0x31, 0x2E, 0x73, 0x68, 0x2E, 0xC9, 0xE7, 0xBB, 0xE1, 0xB1, 0xA3, 0xD5, 0xCF]

    /// The PIN state that must survive power loss, handed to `persist` whenever it changes.
    public struct PINState: Equatable, Sendable {
        /// The PIN's 6 digits.
        public let digits: String
        /// Wrong PINs still allowed; 0 = blocked.
        public let triesLeft: Int

        public init(digits: String, triesLeft: Int) {
            self.digits = digits
            self.triesLeft = triesLeft
        }
    }

    /// The directory files: where SELECT leaves the card.
    private enum DedicatedFile { case masterFile, ssse }
    private enum RecordFile { case ef05, ef06 }

    public let atr: [UInt8]
    private let image: CardImage
    private let persist: (PINState) throws -> Void

    // Non-volatile, like the chip's EEPROM: changed only together with a successful `persist`
    // attempt (see `store`).
    private var pin: [UInt8]
    private var triesLeft: Int

    // Volatile: lost on power off, power on and reset.
    private var currentDF: DedicatedFile = .masterFile
    private var currentEF: RecordFile?
    private var isPINVerified = false
    private var pendingResponse: [UInt8]?

    /// A card holding `image`'s data; `persist` is called with the new PIN state after each change
    /// of the PIN or its counter, before the card answers. If it throws, the card answers `65 81`
    /// (memory failure), as a chip does when its EEPROM write fails.
    public init(image: CardImage, persist: @escaping (PINState) throws -> Void) {
        self.image = image
        self.atr = image.atr
        self.pin = image.pin
        self.triesLeft = image.pinTriesLeft
        self.persist = persist
    }

    public func resetVolatileState() {
        currentDF = .masterFile
        currentEF = nil
        isPINVerified = false
        pendingResponse = nil
    }

    public func respond(to command: [UInt8]) -> [UInt8] {
        guard command.count >= 4 else { return StatusWord.wrongLength }
        let (cla, ins) = (command[0], command[1])
        guard cla == 0x00 || cla == 0x80 else { return StatusWord.classNotSupported }
        // GET RESPONSE must come right after the 61xx it answers; anything else drops the data.
        if ins != 0xC0 { pendingResponse = nil }
        switch (cla, ins) {
        case (0x00, 0xA4): return select(command)
        case (0x00, 0xB2): return readRecord(command)
        case (0x00, 0xC0): return getResponse(command)
        case (0x00, 0x20): return verify(command)
        case (0x80, 0x5E): return changePIN(command)
        case (_, 0xA4), (_, 0xB2), (_, 0xC0), (_, 0x20), (_, 0x5E): return StatusWord.classNotSupported
        default: return StatusWord.instructionNotSupported
        }
    }

    /// A command APDU's body: data (case 3/4) and whether Le is present (case 2/4), or nil when
    /// Lc does not match the length (short APDUs only; the card supports no extended length).
    private struct Body {
        let data: [UInt8]
        /// Le as sent; 0 means 256. Nil when absent.
        let le: Int?

        init?(_ command: [UInt8]) {
            switch command.count {
            case 4:
                data = []
                le = nil
            case 5:
                data = []
                le = Int(command[4])
            default:
                let lc = Int(command[4])
                guard lc > 0 else { return nil }
                switch command.count - 5 - lc {
                case 0: le = nil
                case 1: le = Int(command[command.count - 1])
                default: return nil
                }
                data = Array(command[5..<(5 + lc)])
            }
        }
    }

    // MARK: SELECT

    private func select(_ command: [UInt8]) -> [UInt8] {
        guard let body = Body(command), !body.data.isEmpty else { return StatusWord.wrongLength }
        let (p1, p2) = (command[2], command[3])
        guard p2 == 0x00 || p2 == 0x0C else { return StatusWord.wrongParameters }
        switch p1 {
        case 0x04:   // by DF name
            guard body.data == Self.ssseName else { return StatusWord.fileNotFound }
            if currentDF != .ssse { isPINVerified = false }
            currentDF = .ssse
            currentEF = nil
            // FCI only when asked for: P2=00 and an Le. `84` = DF name, in a `6F` FCI template.
            guard p2 == 0x00, let le = body.le else { return StatusWord.success }
            let fci = [0x6F, UInt8(2 + Self.ssseName.count), 0x84, UInt8(Self.ssseName.count)] + Self.ssseName
            return deliver(fci, le: le)
        case 0x00, 0x02:   // by file identifier: 00 = any file, 02 = EF under the current DF
            guard body.data.count == 2 else { return StatusWord.wrongLength }
            switch (body.data[0], body.data[1]) {
            case (0x3F, 0x00) where p1 == 0x00:
                if currentDF != .masterFile { isPINVerified = false }
                currentDF = .masterFile
                currentEF = nil
                return StatusWord.success
            case (0xEF, 0x05) where currentDF == .ssse:
                currentEF = .ef05
                return StatusWord.success
            case (0xEF, 0x06) where currentDF == .ssse:
                currentEF = .ef06
                return StatusWord.success
            default:
                return StatusWord.fileNotFound
            }
        default:
            return StatusWord.wrongParameters
        }
    }

    // MARK: READ RECORD and GET RESPONSE

    private func readRecord(_ command: [UInt8]) -> [UInt8] {
        guard command.count == 5 else { return StatusWord.wrongLength }
        let (p1, p2, le) = (command[2], command[3], Int(command[4]))
        let sfi = p2 >> 3
        let mode = p2 & 0x07
        guard mode == 0x00 || mode == 0x04, sfi != 0x1F else { return StatusWord.wrongParameters }
        let file: RecordFile
        switch sfi {
        case 0:
            guard let currentEF else { return StatusWord.noCurrentEF }
            file = currentEF
        case 5 where currentDF == .ssse: file = .ef05
        case 6 where currentDF == .ssse: file = .ef06
        default: return StatusWord.fileNotFound
        }
        let records = file == .ef05 ? image.ef05 : image.ef06
        let record: CardImage.Record?
        if mode == 0x04 {
            // Record numbers start at 1; P1 = 00 (the "current record") has no meaning here
            // because this card keeps no record pointer.
            record = p1 >= 1 && Int(p1) <= records.count ? records[Int(p1) - 1] : nil
        } else {
            record = records.first { $0.tag == p1 }
        }
        guard let record else { return StatusWord.recordNotFound }
        if sfi != 0 { currentEF = file }   // ISO 7816-4: reading by SFI also selects the file
        return deliver(record.bytes, le: le)
    }

    private func getResponse(_ command: [UInt8]) -> [UInt8] {
        guard command.count == 5 else { return StatusWord.wrongLength }
        guard command[2] == 0x00, command[3] == 0x00 else { return StatusWord.wrongParameters }
        guard let pending = pendingResponse else { return StatusWord.conditionsNotSatisfied }
        let le = Int(command[4])
        guard le == 0 || le == pending.count else { return StatusWord.wrongLe(correct: pending.count) }
        pendingResponse = nil
        return pending + StatusWord.success
    }

    /// Answers with `data`: all of it when Le is 00 or exact; `6C xx` for another Le when strict;
    /// `61 xx` and GET RESPONSE when the card chains responses like a T=0 card.
    private func deliver(_ data: [UInt8], le: Int) -> [UInt8] {
        if image.chainResponses {
            pendingResponse = data
            return [0x61, UInt8(truncatingIfNeeded: data.count)]
        }
        if le != 0 && le != data.count && image.strictLe {
            return StatusWord.wrongLe(correct: data.count)
        }
        return data + StatusWord.success
    }

    // MARK: PIN

    private func verify(_ command: [UInt8]) -> [UInt8] {
        guard command[2] == 0x00, command[3] == 0x00 else { return StatusWord.wrongParameters }
        guard let body = Body(command), body.data.isEmpty || body.data.count == 3 else { return StatusWord.wrongLength }
        guard currentDF == .ssse else { return StatusWord.conditionsNotSatisfied }
        guard triesLeft > 0 else { return StatusWord.pinBlocked }
        if body.data.isEmpty {
            // No data: ask how many tries are left, without using one.
            return isPINVerified ? StatusWord.success : StatusWord.pinWrong(triesLeft: triesLeft)
        }
        return checkPIN(body.data, then: { StatusWord.success })
    }

    private func changePIN(_ command: [UInt8]) -> [UInt8] {
        guard command[2] == 0x01, command[3] == 0x00 else { return StatusWord.wrongParameters }
        guard let body = Body(command), body.data.count == 7, body.data[3] == 0xFF else { return StatusWord.wrongLength }
        guard currentDF == .ssse else { return StatusWord.conditionsNotSatisfied }
        guard triesLeft > 0 else { return StatusWord.pinBlocked }
        let newPIN = Array(body.data[4..<7])
        guard Self.digits(of: newPIN) != nil else { return StatusWord.incorrectData }
        return checkPIN(Array(body.data[0..<3])) {
            guard store(pin: newPIN, triesLeft: image.pinMaxTries) else { return StatusWord.memoryFailure }
            return StatusWord.success
        }
    }

    /// Compares a presented PIN, keeping the counter like a chip: a wrong PIN costs a try (and
    /// blocks at 0), a right one restores every try; then `onSuccess` finishes the command.
    private func checkPIN(_ presented: [UInt8], then onSuccess: () -> [UInt8]) -> [UInt8] {
        guard presented == pin else {
            isPINVerified = false
            let remaining = triesLeft - 1
            guard store(pin: pin, triesLeft: remaining) else { return StatusWord.memoryFailure }
            return remaining == 0 ? StatusWord.pinBlocked : StatusWord.pinWrong(triesLeft: remaining)
        }
        if triesLeft != image.pinMaxTries {
            guard store(pin: pin, triesLeft: image.pinMaxTries) else { return StatusWord.memoryFailure }
        }
        isPINVerified = true
        return onSuccess()
    }

    /// Updates the non-volatile PIN state and persists it; false if persisting failed. The
    /// in-memory state changes either way, so a failed write can never give back a used try.
    private func store(pin newPIN: [UInt8], triesLeft newTriesLeft: Int) -> Bool {
        pin = newPIN
        triesLeft = newTriesLeft
        guard let digits = Self.digits(of: newPIN) else { return false }
        do {
            try persist(PINState(digits: digits, triesLeft: newTriesLeft))
            return true
        } catch {
            return false
        }
    }

    /// The decimal digits of packed BCD, or nil if a nibble is not 0–9.
    private static func digits(of bcd: [UInt8]) -> String? {
        var text = ""
        for nibble in bcd.flatMap({ [$0 >> 4, $0 & 0x0F] }) {
            guard nibble <= 9 else { return nil }
            text.append(Character(Unicode.Scalar(0x30 + nibble)))
        }
        return text
    }

    /// A command APDU as hex for a debug log, with the PIN data of VERIFY and CHANGE PIN replaced
    /// by `**` so no PIN ever reaches a log.
    public static func loggableHex(_ command: [UInt8]) -> String {
        let hex = { (bytes: ArraySlice<UInt8>) in bytes.map { hexByte($0) }.joined(separator: " ") }
        let carriesPIN = command.count > 5 && (command[1] == 0x20 || command[1] == 0x5E)
        return carriesPIN ? hex(command.prefix(5)) + " **" : hex(command[...])
    }

    private static func hexByte(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}

/// The status words this card answers (ISO 7816-4 as the social security card uses them).
enum StatusWord {
    static let success: [UInt8] = [0x90, 0x00]
    static let wrongLength: [UInt8] = [0x67, 0x00]
    static let memoryFailure: [UInt8] = [0x65, 0x81]
    static let pinBlocked: [UInt8] = [0x69, 0x83]
    static let conditionsNotSatisfied: [UInt8] = [0x69, 0x85]
    static let noCurrentEF: [UInt8] = [0x69, 0x86]
    static let incorrectData: [UInt8] = [0x6A, 0x80]
    static let fileNotFound: [UInt8] = [0x6A, 0x82]
    static let recordNotFound: [UInt8] = [0x6A, 0x83]
    static let wrongParameters: [UInt8] = [0x6A, 0x86]
    static let instructionNotSupported: [UInt8] = [0x6D, 0x00]
    static let classNotSupported: [UInt8] = [0x6E, 0x00]

    static func pinWrong(triesLeft: Int) -> [UInt8] { [0x63, 0xC0 | UInt8(triesLeft)] }
    /// `6C xx`: resend with Le = xx (00 stands for 256).
    static func wrongLe(correct length: Int) -> [UInt8] { [0x6C, UInt8(truncatingIfNeeded: length)] }
}
