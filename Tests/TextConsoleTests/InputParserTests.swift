import TestSupport
import Testing
import TextConsole

@Suite struct InputParserTests {
    func parse(_ text: String) -> [InputEvent] {
        var parser = InputParser()
        return parser.feed(Array(text.utf8)) + parser.flush()
    }

    @Test func sgrMousePressAndReleaseInOneRead() {
        // xterm delivered both reports in one 20-byte read (console.md §2.1).
        #expect(parse("\u{1B}[<0;57;6M\u{1B}[<0;62;7m") == [
            .mouse(MouseEvent(action: .press, button: 0, position: CellPoint(column: 56, row: 5))),
            .mouse(MouseEvent(action: .release, button: 0, position: CellPoint(column: 61, row: 6))),
        ])
    }

    @Test func sgrMouseWheelMotionAndModifiers() {
        #expect(parse("\u{1B}[<64;3;4M") == [.mouse(MouseEvent(action: .wheelUp, button: 0, position: CellPoint(column: 2, row: 3)))])
        #expect(parse("\u{1B}[<65;3;4M") == [.mouse(MouseEvent(action: .wheelDown, button: 1, position: CellPoint(column: 2, row: 3)))])
        #expect(parse("\u{1B}[<32;59;6M") == [.mouse(MouseEvent(action: .motion, button: 0, position: CellPoint(column: 58, row: 5)))])
        #expect(parse("\u{1B}[<16;1;1M") == [.mouse(MouseEvent(action: .press, button: 0, position: CellPoint(column: 0, row: 0), modified: true))])
    }

    @Test func legacyX10Mouse() {
        let press: [UInt8] = [0x1B, 0x5B, 0x4D, 0x20, 0x59, 0x26]
        let release: [UInt8] = [0x1B, 0x5B, 0x4D, 0x23, 0x59, 0x26]
        var parser = InputParser()
        #expect(parser.feed(press + release) == [
            .mouse(MouseEvent(action: .press, button: 0, position: CellPoint(column: 56, row: 5))),
            .mouse(MouseEvent(action: .release, button: 0, position: CellPoint(column: 56, row: 5))),
        ])
    }

    @Test func keysOfThePhysicalKeypad() {
        // The bytes xterm sent for `xdotool type '12a'; key Return Escape Up F1` (console.md §4.2).
        #expect(parse("12a\r") == [.key(.character("1")), .key(.character("2")), .key(.character("a")), .key(.enter)])
        #expect(parse("\u{7F}\u{08}\t") == [.key(.backspace), .key(.backspace), .key(.tab)])
        #expect(parse("\u{1B}[A\u{1B}[B\u{1B}[C\u{1B}[D") == [.key(.up), .key(.down), .key(.right), .key(.left)])
        #expect(parse("\u{1B}OP\u{1B}OS\u{1B}[15~\u{1B}[24~") == [.key(.function(1)), .key(.function(4)), .key(.function(5)), .key(.function(12))])
        #expect(parse("\u{1B}[1;5A\u{1B}[5~\u{1B}[3~") == [.key(.up), .key(.pageUp), .key(.delete)])
        #expect(parse("社") == [.key(.character("社"))])
    }

    @Test func aLoneEscapeWaitsForQuietInput() {
        var parser = InputParser()
        #expect(parser.feed([0x1B]).isEmpty)
        #expect(parser.hasPending)
        #expect(parser.flush() == [.key(.escape)])
        #expect(parser.feed([0x1B, 0x1B]) == [.key(.escape)])
        #expect(parser.flush() == [.key(.escape)])
    }

    @Test func sequencesSplitAcrossReadsAtEveryByte() {
        let stream = Array("5\u{1B}[<0;40;6M\u{1B}[<0;40;6m社\u{1B}[15~\r".utf8)
        var expected = InputParser()
        let whole = expected.feed(stream)
        #expect(whole.count == 6)
        for split in 1..<stream.count {
            var parser = InputParser()
            let events = parser.feed(stream[..<split]) + parser.feed(stream[split...])
            #expect(events == whole, "split at \(split)")
        }
    }

    @Test func garbageIsDroppedAndParsingResumes() {
        #expect(parse("\u{1B}[<0;;6M7") == [.key(.character("7"))])
        #expect(parse("\u{1B}[<99999999999999999999;1;1M") .count == 1)
        #expect(parse("\u{FF}\u{FE}8").last == .key(.character("8")))
        var parser = InputParser()
        let flood = [0x1B, 0x5B] + Array(repeating: UInt8(ascii: "1"), count: 200)
        _ = parser.feed(flood)
        #expect(!parser.hasPending || parser.feed([]).isEmpty)
        #expect(parser.feed(Array("\u{1B}[A".utf8)).last == .key(.up))
    }

    /// Random byte streams, biased towards escape-sequence bytes, fed in random chunks: the parser
    /// never traps, never holds more than a sequence's worth of bytes, and still parses a clean
    /// click afterwards.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func fuzzRandomByteStreams(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let interesting: [UInt8] = [0x1B, 0x5B, 0x3C, 0x3B, 0x4D, 0x6D, 0x4F, 0x7E, 0x30, 0x39, 0xE4, 0xBD, 0x80, 0xF0, 0x0D, 0x7F]
        var parser = InputParser()
        var events = 0
        for _ in 0..<2_000 {
            let length = Int(generator.next() % 40)
            let chunk = (0..<length).map { _ -> UInt8 in
                generator.next() % 2 == 0 ? interesting[Int(generator.next() % UInt64(interesting.count))] : UInt8(truncatingIfNeeded: generator.next())
            }
            events += parser.feed(chunk).count
            #expect(!parser.hasPending || chunk.count <= InputParser.maximumSequenceLength * 2)
            if generator.next() % 8 == 0 { events += parser.flush().count }
        }
        #expect(events > 1_000)
        _ = parser.flush()
        #expect(parser.feed(Array("\u{1B}[<0;5;5M".utf8)) == [.mouse(MouseEvent(action: .press, button: 0, position: CellPoint(column: 4, row: 4)))])
    }
}

@Suite struct TapRecognizerTests {
    enum Target: Hashable, Sendable { case confirm, back }
    let regions = [HitRegion(rect: CellRect(column: 10, row: 5, width: 12, height: 3), target: Target.confirm),
                   HitRegion(rect: CellRect(column: 30, row: 5, width: 12, height: 3), target: Target.back)]

    func press(_ column: Int, _ row: Int) -> MouseEvent { MouseEvent(action: .press, button: 0, position: CellPoint(column: column, row: row)) }
    func release(_ column: Int, _ row: Int) -> MouseEvent { MouseEvent(action: .release, button: 0, position: CellPoint(column: column, row: row)) }

    @Test func aTapActsOnReleaseInsideTheTargetPressed() {
        var recognizer = TapRecognizer<Target>()
        #expect(recognizer.handle(press(10, 5), regions: regions, time: .zero) == nil)
        #expect(recognizer.handle(release(21, 7), regions: regions, time: .milliseconds(100)) == .confirm)
    }

    @Test func dragsOffTheTargetGapsAndOtherButtonsDoNothing() {
        var recognizer = TapRecognizer<Target>()
        _ = recognizer.handle(press(10, 5), regions: regions, time: .zero)
        #expect(recognizer.handle(release(30, 5), regions: regions, time: .seconds(1)) == nil)   // released on another target
        _ = recognizer.handle(press(25, 5), regions: regions, time: .seconds(2))                   // gap between targets
        #expect(recognizer.handle(release(30, 5), regions: regions, time: .seconds(2)) == nil)
        _ = recognizer.handle(MouseEvent(action: .press, button: 2, position: CellPoint(column: 10, row: 5)), regions: regions, time: .seconds(3))
        #expect(recognizer.handle(MouseEvent(action: .release, button: 2, position: CellPoint(column: 10, row: 5)), regions: regions, time: .seconds(3)) == nil)
        _ = recognizer.handle(MouseEvent(action: .wheelUp, button: 0, position: CellPoint(column: 10, row: 5)), regions: regions, time: .seconds(4))
        #expect(recognizer.handle(release(10, 5), regions: regions, time: .seconds(4)) == nil)
    }

    @Test func aQuickSecondTapOnTheSameTargetIsDropped() {
        var recognizer = TapRecognizer<Target>(debounce: .milliseconds(500))
        _ = recognizer.handle(press(10, 5), regions: regions, time: .zero)
        #expect(recognizer.handle(release(10, 5), regions: regions, time: .milliseconds(50)) == .confirm)
        _ = recognizer.handle(press(10, 5), regions: regions, time: .milliseconds(200))
        #expect(recognizer.handle(release(10, 5), regions: regions, time: .milliseconds(250)) == nil)
        _ = recognizer.handle(press(10, 5), regions: regions, time: .milliseconds(900))
        #expect(recognizer.handle(release(10, 5), regions: regions, time: .milliseconds(950)) == .confirm)
    }
}
