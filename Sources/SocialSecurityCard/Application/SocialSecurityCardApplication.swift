import KioskCore

/// The social security application (SSSE) on a card, over an ``APDUExchange``.
///
/// Reads use READ RECORD by tag so 2.0 and 3.0 cards work alike; PIN commands are sent once
/// and never retried: a retry would burn one of the citizen's tries.
public struct SocialSecurityCardApplication: Sendable {
    /// `sx1.sh.` + 社会保障 in GBK: the SSSE DF name.
    public static let ssseName: [UInt8] = [0x73, 0x78, 0x31, 0x2E, 0x73, 0x68, 0x2E, 0xC9, 0xE7, 0xBB, 0xE1, 0xB1, 0xA3, 0xD5, 0xCF]

    public let exchange: APDUExchange
    public let secureRead: any SecureReadProvider

    public init(exchange: APDUExchange, secureRead: any SecureReadProvider = UnauthenticatedRead()) {
        self.exchange = exchange
        self.secureRead = secureRead
    }

    /// SELECT SSSE by name.
    /// - Throws: ``CardError/notASocialSecurityCard`` when the card has no such application.
    public func selectSSSE() throws(CardError) {
        let response = try exchange.send(CommandAPDU(ins: 0xA4, p1: 0x04, p2: 0x00, data: Self.ssseName))
        switch response.status.meaning {
        case .success: return
        case .fileNotFound, .instructionNotSupported, .classNotSupported: throw .notASocialSecurityCard
        default: throw .unexpectedStatus(command: "SELECT SSSE", status: response.status)
        }
    }

    /// Reads EF05 and EF06 and decodes the holder.
    /// - Parameter today: when given, an expired card throws ``CardError/cardExpired(_:)``.
    public func readCardHolder(today: CalendarDate? = nil) throws(CardError) -> CardHolder {
        let holder = try readRecords().cardHolder()
        if let today, holder.card.isExpired(on: today), let expiry = holder.card.expiryDate {
            throw .cardExpired(expiry)
        }
        return holder
    }

    /// Selects SSSE and reads every record of EF05 and EF06 by tag.
    public func readRecords() throws(CardError) -> CardRecords {
        try selectSSSE()
        var records = CardRecords()
        try select(.ef05)
        for tag in CardRecordTag.allCases where tag.file == .ef05 {
            records.values[tag] = try readRecord(tag)
        }
        let specVersion = records.values[.specVersion].flatMap { try? FieldDecoding.ascii($0, field: "specVersion") } ?? ""
        try secureRead.authenticate(exchange: exchange, specVersion: specVersion)
        try select(.ef06)
        for tag in CardRecordTag.allCases where tag.file == .ef06 {
            records.values[tag] = try readRecord(tag)
        }
        return records
    }

    /// How many PIN tries remain, asked without presenting a PIN (`00 20 00 00`): `nil` when the
    /// PIN is already verified in this session.
    public func pinTriesLeft() throws(CardError) -> Int? {
        let response = try exchange.send(CommandAPDU(ins: 0x20, p1: 0, p2: 0))
        switch response.status.meaning {
        case .success: return nil
        case .wrongPIN(let triesLeft): return triesLeft
        case .pinBlocked: return 0
        default: throw .unexpectedStatus(command: "VERIFY (query)", status: response.status)
        }
    }

    /// VERIFY `00 20 00 00 03 <BCD>`, once.
    /// - Throws: `.wrongPIN(triesLeft:)`, `.pinBlocked` (go to the counter), `.pinFormat`.
    public func verifyPIN(_ pin: PINBuffer) throws(CardError) {
        let response = try pin.withBCD { bcd throws(CardError) in
            try exchange.send(CommandAPDU(ins: 0x20, p1: 0, p2: 0, data: bcd, isSensitive: true))
        }
        try Self.checkPINStatus(response.status, command: "VERIFY")
    }

    /// CHANGE PIN `80 5E 01 00 07 <old> FF <new>`, once.
    public func changePIN(old: PINBuffer, new: PINBuffer) throws(CardError) {
        let response = try old.withBCD { oldBCD throws(CardError) in
            try new.withBCD { newBCD throws(CardError) in
                var data = oldBCD + [0xFF] + newBCD
                defer { data.withUnsafeMutableBytes { zeroBytes($0) } }
                return try exchange.send(CommandAPDU(cla: 0x80, ins: 0x5E, p1: 0x01, p2: 0x00, data: data, isSensitive: true))
            }
        }
        try Self.checkPINStatus(response.status, command: "CHANGE PIN")
    }

    static func checkPINStatus(_ status: StatusWord, command: String) throws(CardError) {
        switch status.meaning {
        case .success: return
        case .wrongPIN(let triesLeft): throw triesLeft == 0 ? .pinBlocked : .wrongPIN(triesLeft: triesLeft)
        case .pinBlocked: throw .pinBlocked
        default: throw .unexpectedStatus(command: command, status: status)
        }
    }

    private func select(_ file: ElementaryFile) throws(CardError) {
        let response = try exchange.send(CommandAPDU(ins: 0xA4, p1: 0x02, p2: 0x00, data: file.identifierBytes))
        guard response.status.meaning == .success else {
            throw .unexpectedStatus(command: "SELECT \(String(file.rawValue, radix: 16, uppercase: true))", status: response.status)
        }
    }

    /// READ RECORD by tag: `00 B2 <tag> 00 <2 + length>`. An absent record is `nil`.
    private func readRecord(_ tag: CardRecordTag) throws(CardError) -> [UInt8]? {
        let response = try exchange.send(CommandAPDU(ins: 0xB2, p1: tag.rawValue, p2: 0x00, le: 2 + tag.length))
        switch response.status.meaning {
        case .success: return try CardRecords.value(of: tag, in: response.data)
        case .recordNotFound: return nil
        case .securityNotSatisfied: throw .secureReadRequired(field: "\(tag)")
        default: throw .unexpectedStatus(command: "READ RECORD \(Hex.byte(tag.rawValue))", status: response.status)
        }
    }
}

func zeroBytes(_ buffer: UnsafeMutableRawBufferPointer) {
    for index in buffer.indices { buffer[index] = 0 }
}
