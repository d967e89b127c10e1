import KioskCore

/// The industry's `iReadCardBas` output (LD/T 6001.5 reader interface): eleven fields, each
/// followed by `|`, for back ends and security-module services that expect it:
///
/// `区划码|社会保障号码|卡号|卡识别码|姓名|ATR历史字节|规范版本|发卡日期|卡有效期|终端机编号|终端设备号|`
///
/// The string carries the full ID and name: it goes to the back end, never to a log.
public enum ReadCardBasFormat {
    public static func string(holder: CardHolder, atr: [UInt8], terminalNumber: String, terminalDevice: String) -> String {
        func date(_ value: CalendarDate?) -> String {
            guard let value else { return "" }
            return String(value.description.filter { $0 != "-" })
        }
        let fields = [
            holder.card.issuingRegion,
            holder.citizenID.value,
            holder.card.cardNumber,
            holder.card.identifier,
            holder.name,
            Hex.string(AnswerToReset.historicalBytes(of: atr) ?? []),
            holder.card.specVersion,
            date(holder.card.issueDate),
            date(holder.card.expiryDate),
            terminalNumber,
            terminalDevice,
        ]
        return fields.map { $0 + "|" }.joined()
    }
}

/// Parsing of an ISO 7816-3 Answer To Reset, as far as the kiosk needs it.
public enum AnswerToReset {
    /// The historical bytes: T0's low nibble says how many, after the interface bytes that the
    /// TDi chain announces. `nil` when the ATR is shorter than it claims.
    public static func historicalBytes(of atr: [UInt8]) -> [UInt8]? {
        guard atr.count >= 2, atr[0] == 0x3B || atr[0] == 0x3F else { return nil }
        let count = Int(atr[1] & 0x0F)
        var index = 1
        var indicator = atr[1]
        while true {
            // Bits 5–8 of T0/TDi say which of TAi, TBi, TCi, TDi follow.
            let present = (indicator >> 4) & 0x0F
            let interfaceBytes = present.nonzeroBitCount
            let hasTD = present & 0x08 != 0
            index += interfaceBytes
            guard index < atr.count else { return nil }
            guard hasTD else { break }
            indicator = atr[index]
        }
        let start = index + 1
        guard start + count <= atr.count else { return nil }
        return Array(atr[start..<(start + count)])
    }
}
