import Foundation
import HubAPI
import Testing

struct HubDateTranscoderTests {
    @Test(arguments: [
        ("2026-11-23T08:00:00Z", 1_795_420_800.0),
        ("2026-11-23t08:00:00z", 1_795_420_800.0),
        ("2026-11-23T16:00:00+08:00", 1_795_420_800.0),
        ("2026-11-23T08:00:00.25Z", 1_795_420_800.25),
        ("2026-11-22T10:59:00-21:01", 1_795_420_800.0),
        ("2024-02-29T00:00:00Z", 1_709_164_800.0),
        ("1970-01-01T00:00:00Z", 0.0),
        ("0218-08-05T02:07:40Z", -55_269_121_940.0),
    ])
    func validRFC3339DateTimesAreRead(text: String, seconds: Double) throws {
        let date = try #require(HubDateTranscoder.parseRFC3339(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.001)
    }

    @Test(arguments: [
        "", "2026-11-23", "2026-11-23T08:00:00", "2026-11-23 08:00:00Z", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
        "2026-11-23T24:00:00Z", "2026-11-23T08:00:00.Z", "2026-11-23T08:00:00+24:00", "2026-11-23T08:00:00Z ", "２０２６-11-23T08:00:00Z",
    ])
    func anythingElseIsRefused(text: String) {
        #expect(HubDateTranscoder.parseRFC3339(text) == nil)
        #expect(throws: DecodingError.self) { try HubDateTranscoder().decode(text) }
    }

    @Test func datesAreWrittenAsWholeSecondsInUTCAndReadBack() throws {
        let date = Date(timeIntervalSince1970: 1_795_420_800)
        let text = try HubDateTranscoder().encode(date)
        #expect(text == "2026-11-23T08:00:00Z")
        #expect(try HubDateTranscoder().decode(text) == date)
    }
}
