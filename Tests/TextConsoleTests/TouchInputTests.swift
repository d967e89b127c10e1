import Foundation
import Testing
import TextConsole

/// The evdev reader, fed recorded `input_event` streams through a pipe (these machines have no
/// /dev/input and no uinput; devices.md §5).
@Suite struct TouchInputTests {
    typealias R = InputEventRecord
    static let calibration = TouchCalibration(xRange: 0...4095, yRange: 0...4095, screenWidth: 1920, screenHeight: 1080, cellWidth: 16, cellHeight: 48)

    static func abs(_ code: UInt16, _ value: Int32) -> R { R(type: R.eventAbsolute, code: code, value: value) }
    static let report = R(type: R.eventSynchronization, code: R.synReport, value: 0)
    static func touch(_ down: Bool) -> R { R(type: R.eventKey, code: R.buttonTouch, value: down ? 1 : 0) }

    /// Writes records into a pipe from another thread, in uneven chunks (a record split across
    /// writes), and reads them back with the reader.
    func throughPipe(_ records: [R]) throws -> [R] {
        var descriptors: [Int32] = [0, 0]
        #expect(pipe(&descriptors) == 0)
        let bytes = records.flatMap(\.bytes)
        let writeEnd = descriptors[1]
        let writer = Thread {
            var offset = 0
            while offset < bytes.count {
                let count = min(17, bytes.count - offset)
                _ = bytes[offset..<(offset + count)].withUnsafeBytes { write(writeEnd, $0.baseAddress, count) }
                offset += count
            }
            close(writeEnd)
        }
        writer.start()
        var reader = InputEventReader(descriptor: descriptors[0])
        var read: [R] = []
        while let batch = reader.next() { read += batch }
        close(descriptors[0])
        return read
    }

    @Test func recordsAre24BytesAndSurviveThePipe() throws {
        let record = R(seconds: 1_700_000_000, microseconds: 250_000, type: R.eventAbsolute, code: R.multitouchTrackingID, value: -1)
        #expect(record.bytes.count == 24)
        #expect(R(record.bytes) == record)
        let records = [Self.abs(R.multitouchSlot, 0), Self.abs(R.multitouchTrackingID, 17), Self.report, record]
        #expect(try throughPipe(records) == records)
    }

    @Test func aOneFingerTapBecomesAPressAndReleaseOnTheCell() throws {
        // Finger down at panel (2048, 1024) = pixel (960, 270) = cell (60, 5); lifted in place.
        let stream = [Self.abs(R.multitouchSlot, 0), Self.abs(R.multitouchTrackingID, 17), Self.abs(R.multitouchPositionX, 2048),
                      Self.abs(R.multitouchPositionY, 1024), Self.touch(true), Self.abs(R.absoluteX, 2048), Self.abs(R.absoluteY, 1024), Self.report,
                      Self.abs(R.multitouchPositionX, 2050), Self.report,
                      Self.abs(R.multitouchTrackingID, -1), Self.touch(false), Self.report]
        var tracker = MultitouchTracker(calibration: Self.calibration)
        let events = try throughPipe(stream).flatMap { tracker.handle($0) }
        #expect(events == [MouseEvent(action: .press, button: 0, position: CellPoint(column: 60, row: 5)),
                           MouseEvent(action: .release, button: 0, position: CellPoint(column: 60, row: 5))])

        enum Target: Hashable, Sendable { case confirm }
        var recognizer = TapRecognizer<Target>()
        let regions = [HitRegion(rect: CellRect(column: 55, row: 4, width: 12, height: 3), target: Target.confirm)]
        #expect(events.compactMap { recognizer.handle($0, regions: regions, time: .zero) } == [.confirm])
    }

    @Test func aSecondFingerCancelsTheTouch() throws {
        // The stream from devices.md §5: two fingers down, both lifted.
        let stream = [Self.abs(R.multitouchSlot, 0), Self.abs(R.multitouchTrackingID, 17), Self.abs(R.multitouchPositionX, 400),
                      Self.abs(R.multitouchPositionY, 300), Self.touch(true), Self.report,
                      Self.abs(R.multitouchSlot, 1), Self.abs(R.multitouchTrackingID, 18), Self.abs(R.multitouchPositionX, 700),
                      Self.abs(R.multitouchPositionY, 120), Self.report,
                      Self.abs(R.multitouchSlot, 0), Self.abs(R.multitouchTrackingID, -1), Self.abs(R.multitouchSlot, 1),
                      Self.abs(R.multitouchTrackingID, -1), Self.touch(false), Self.report]
        var tracker = MultitouchTracker(calibration: Self.calibration)
        let events = try throughPipe(stream).flatMap { tracker.handle($0) }
        #expect(events.count == 2)
        #expect(events.first?.action == .press)
        enum Target: Hashable, Sendable { case anywhere }
        var recognizer = TapRecognizer<Target>()
        let everything = [HitRegion(rect: CellRect(column: 0, row: 0, width: 120, height: 22), target: Target.anywhere)]
        #expect(events.compactMap { recognizer.handle($0, regions: everything, time: .zero) }.isEmpty)
    }

    @Test func droppedEventsCancelTheTouchInProgress() {
        var tracker = MultitouchTracker(calibration: Self.calibration)
        var events = [Self.abs(R.multitouchTrackingID, 5), Self.abs(R.multitouchPositionX, 100), Self.abs(R.multitouchPositionY, 100), Self.report]
            .flatMap { tracker.handle($0) }
        events += tracker.handle(R(type: R.eventSynchronization, code: R.synDropped, value: 0))
        events += [Self.abs(R.multitouchTrackingID, -1), Self.report].flatMap { tracker.handle($0) }
        #expect(events.map(\.action) == [.press, .release])
        #expect(events.last!.position.column > 10_000)
    }
}
