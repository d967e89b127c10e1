#if canImport(Glibc)
import Glibc
#endif

/// One Linux `struct input_event` as read from `/dev/input/eventN` on 64-bit Linux: a `timeval`
/// (two 64-bit integers), then `type` and `code` (16 bits each) and `value` (32 bits signed), 24
/// bytes in all, little-endian on the kiosks' x86-64 and arm64.
public struct InputEventRecord: Hashable, Sendable {
    public static let size = 24

    public var seconds: Int64
    public var microseconds: Int64
    public var type: UInt16
    public var code: UInt16
    public var value: Int32

    public init(seconds: Int64 = 0, microseconds: Int64 = 0, type: UInt16, code: UInt16, value: Int32) {
        self.seconds = seconds
        self.microseconds = microseconds
        self.type = type
        self.code = code
        self.value = value
    }

    /// Decodes the first 24 bytes of `bytes`.
    public init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count >= Self.size else { return nil }
        let array = Array(bytes.prefix(Self.size))
        func integer(_ offset: Int, _ length: Int) -> UInt64 {
            (0..<length).reduce(UInt64(0)) { $0 | UInt64(array[offset + $1]) << (8 * UInt64($1)) }
        }
        seconds = Int64(bitPattern: integer(0, 8))
        microseconds = Int64(bitPattern: integer(8, 8))
        type = UInt16(integer(16, 2))
        code = UInt16(integer(18, 2))
        value = Int32(bitPattern: UInt32(integer(20, 4)))
    }

    /// The 24 bytes the kernel would write for this record.
    public var bytes: [UInt8] {
        func little(_ value: UInt64, _ length: Int) -> [UInt8] { (0..<length).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) } }
        return little(UInt64(bitPattern: seconds), 8) + little(UInt64(bitPattern: microseconds), 8)
            + little(UInt64(type), 2) + little(UInt64(code), 2) + little(UInt64(UInt32(bitPattern: value)), 4)
    }

    // Codes from linux/input-event-codes.h.
    public static let eventSynchronization: UInt16 = 0x00
    public static let eventKey: UInt16 = 0x01
    public static let eventAbsolute: UInt16 = 0x03
    public static let synReport: UInt16 = 0
    public static let synDropped: UInt16 = 3
    public static let buttonTouch: UInt16 = 0x14A
    public static let absoluteX: UInt16 = 0x00
    public static let absoluteY: UInt16 = 0x01
    public static let multitouchSlot: UInt16 = 0x2F
    public static let multitouchPositionX: UInt16 = 0x35
    public static let multitouchPositionY: UInt16 = 0x36
    public static let multitouchTrackingID: UInt16 = 0x39
}

/// Reads whole `input_event` records from a file descriptor (an evdev device, or a pipe in tests),
/// keeping a partial record until the rest arrives.
public struct InputEventReader: Sendable {
    private let descriptor: Int32
    private var remainder: [UInt8] = []

    public init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Blocks for the next read; returns the complete records it brought, or nil at end of file
    /// or on a read error other than EINTR.
    public mutating func next() -> [InputEventRecord]? {
        var buffer = [UInt8](repeating: 0, count: InputEventRecord.size * 64)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return nil }
            remainder.append(contentsOf: buffer[0..<count])
            let whole = remainder.count / InputEventRecord.size * InputEventRecord.size
            let records = stride(from: 0, to: whole, by: InputEventRecord.size).compactMap {
                InputEventRecord(remainder[$0..<($0 + InputEventRecord.size)])
            }
            remainder.removeFirst(whole)
            return records
        }
    }
}

/// How touch panel coordinates map to terminal cells (console.md §2.3).
public struct TouchCalibration: Hashable, Sendable {
    /// The panel's reported range (`EVIOCGABS` minimum and maximum) on each axis.
    public var xRange: ClosedRange<Int32>
    public var yRange: ClosedRange<Int32>
    /// The screen in pixels, and one cell in pixels (`TIOCGWINSZ` pixels / cells).
    public var screenWidth: Int
    public var screenHeight: Int
    public var cellWidth: Int
    public var cellHeight: Int

    public init(xRange: ClosedRange<Int32>, yRange: ClosedRange<Int32>, screenWidth: Int, screenHeight: Int, cellWidth: Int, cellHeight: Int) {
        self.xRange = xRange
        self.yRange = yRange
        self.screenWidth = screenWidth
        self.screenHeight = screenHeight
        self.cellWidth = max(1, cellWidth)
        self.cellHeight = max(1, cellHeight)
    }

    /// The cell under a panel position (0-based).
    public func cell(x: Int32, y: Int32) -> CellPoint {
        func scale(_ value: Int32, _ range: ClosedRange<Int32>, _ pixels: Int) -> Int {
            let span = Int64(range.upperBound) - Int64(range.lowerBound) + 1
            let offset = Int64(min(max(value, range.lowerBound), range.upperBound)) - Int64(range.lowerBound)
            return Int(offset * Int64(pixels) / max(span, 1))
        }
        return CellPoint(column: scale(x, xRange, screenWidth) / cellWidth, row: scale(y, yRange, screenHeight) / cellHeight)
    }
}

/// Follows multitouch protocol B (slots, tracking IDs) and makes single-finger presses and
/// releases of it, as mouse events for ``TapRecognizer``.
///
/// Only one finger counts: a second finger during a touch cancels it (accessibility A13, no
/// multi-finger gestures), which the recogniser sees as a release outside every target. After
/// `SYN_DROPPED` the state is unknown, so the touch in progress is cancelled too.
public struct MultitouchTracker: Sendable {
    private struct Contact { var x: Int32?; var y: Int32? }

    private let calibration: TouchCalibration
    private var slot: Int32 = 0
    private var contacts: [Int32: Contact] = [:]
    private var primary: Int32?
    private var cancelled = false
    private var pressSent = false
    private var droppingUntilReport = false

    public init(calibration: TouchCalibration) {
        self.calibration = calibration
    }

    /// Feeds one record; returns the mouse events completed by it (only at `SYN_REPORT`).
    public mutating func handle(_ record: InputEventRecord) -> [MouseEvent] {
        if droppingUntilReport {
            if record.type == InputEventRecord.eventSynchronization, record.code == InputEventRecord.synReport {
                droppingUntilReport = false
            }
            return []
        }
        switch (record.type, record.code) {
        case (InputEventRecord.eventAbsolute, InputEventRecord.multitouchSlot):
            slot = record.value
        case (InputEventRecord.eventAbsolute, InputEventRecord.multitouchTrackingID):
            if record.value < 0 {
                contacts[slot] = nil
            } else {
                contacts[slot] = Contact()
                if primary == nil && !pressSent { primary = slot } else if primary != slot { cancelled = true }
            }
        case (InputEventRecord.eventAbsolute, InputEventRecord.multitouchPositionX):
            contacts[slot]?.x = record.value
        case (InputEventRecord.eventAbsolute, InputEventRecord.multitouchPositionY):
            contacts[slot]?.y = record.value
        case (InputEventRecord.eventSynchronization, InputEventRecord.synDropped):
            droppingUntilReport = true
            cancelled = true
            contacts.removeAll()
            return finishIfLifted(force: true)
        case (InputEventRecord.eventSynchronization, InputEventRecord.synReport):
            return report()
        default:
            break
        }
        return []
    }

    private var lastPosition: CellPoint?

    private mutating func report() -> [MouseEvent] {
        var events: [MouseEvent] = []
        if let primary, let contact = contacts[primary], let x = contact.x, let y = contact.y {
            lastPosition = calibration.cell(x: x, y: y)
            if !pressSent, let position = lastPosition {
                events.append(MouseEvent(action: .press, button: 0, position: position))
                pressSent = true
            }
        }
        return events + finishIfLifted(force: false)
    }

    private mutating func finishIfLifted(force: Bool) -> [MouseEvent] {
        guard force || contacts.isEmpty, primary != nil || pressSent else { return [] }
        var events: [MouseEvent] = []
        if pressSent {
            // A cancelled touch is released far outside the grid, so no target can match it.
            let position = cancelled ? CellPoint(column: Int.max / 2, row: Int.max / 2) : (lastPosition ?? CellPoint(column: 0, row: 0))
            events.append(MouseEvent(action: .release, button: 0, position: position))
        }
        primary = nil
        pressSent = false
        cancelled = false
        lastPosition = nil
        return events
    }
}
