import Glibc
import KioskCore
import Logging
import Synchronization
@testable import ZizhuLogging
import Testing

final class CapturedLines: Sendable {
    let lines = Mutex<[String]>([])
    var sink: LineSink { LineSink { line in self.lines.withLock { $0.append(line) } } }
}

@Suite struct StructuredLogHandlerTests {
    let fixedTime = timespec(tv_sec: 1_795_000_000, tv_nsec: 123_000_000)

    @Test func writesLogfmtWithSortedDottedKeys() throws {
        let captured = CapturedLines()
        let time = fixedTime
        var logger = Logger(label: "zizhu.test") { label in
            StructuredLogHandler(label: label, format: .logfmt, level: .debug, sink: captured.sink, clock: { time })
        }
        logger[metadataKey: "kiosk"] = "k-01"
        let id = try CitizenID("330102198001011213")
        logger.info("card read", metadata: ["card": ["reader": "Reader 00 00"], "citizen.id": .citizenID(id)])
        #expect(captured.lines.withLock { $0 } == [
            #"ts=2026-11-18T11:06:40.123Z level=info label=zizhu.test msg="card read" card.reader="Reader 00 00" citizen.id=330102********1213 kiosk=k-01"#,
        ])
    }

    @Test func writesJSONWithEscapes() {
        let captured = CapturedLines()
        let time = fixedTime
        let logger = Logger(label: "zizhu.test") { label in
            StructuredLogHandler(label: label, format: .json, sink: captured.sink, clock: { time })
        }
        logger.warning("paper \"low\"\n", metadata: ["holder": .personName("张三")])
        #expect(captured.lines.withLock { $0 } == [
            #"{"ts":"2026-11-18T11:06:40.123Z","level":"warning","label":"zizhu.test","msg":"paper \"low\"\n","holder":"张*"}"#,
        ])
    }

    @Test func dropsEventsBelowTheLevel() {
        let captured = CapturedLines()
        let logger = Logger(label: "zizhu.test") { label in
            StructuredLogHandler(label: label, format: .logfmt, level: .notice, sink: captured.sink)
        }
        logger.info("quiet")
        logger.error("loud")
        #expect(captured.lines.withLock { $0.count } == 1)
    }
}
