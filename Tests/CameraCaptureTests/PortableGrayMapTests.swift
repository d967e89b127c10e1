import CameraCapture
import Testing

@Suite struct PortableGrayMapTests {
    @Test func roundTrips() throws {
        let image = GrayImage(width: 3, height: 2, pixels: [0, 1, 2, 253, 254, 255])
        #expect(try PortableGrayMap.parse(PortableGrayMap.encode(image)) == image)
    }

    @Test func readsCommentsAndRescalesSmallMaxima() throws {
        let bytes = Array("P5\n# written by a test\n2 1\n# max\n15\n".utf8) + [0, 15]
        #expect(try PortableGrayMap.parse(bytes) == GrayImage(width: 2, height: 1, pixels: [0, 255]))
    }

    @Test func refusesWhatIsNotAUsableFrame() {
        #expect(throws: PortableGrayMap.ParseError.notPGM) { try PortableGrayMap.parse(Array("P6\n1 1\n255\n".utf8) + [1, 2, 3]) }
        #expect(throws: PortableGrayMap.ParseError.unsupportedMaximum(65535)) { try PortableGrayMap.parse(Array("P5 1 1 65535\n".utf8) + [0, 0]) }
        #expect(throws: PortableGrayMap.ParseError.truncated(expected: 4, actual: 3)) { try PortableGrayMap.parse(Array("P5 2 2 255\n".utf8) + [1, 2, 3]) }
        #expect(throws: PortableGrayMap.ParseError.tooLarge(width: 100_000, height: 100_000)) { try PortableGrayMap.parse(Array("P5 100000 100000 255\n".utf8)) }
        #expect(throws: PortableGrayMap.ParseError.self) { try PortableGrayMap.parse(Array("P5 0 2 255\n".utf8)) }
        #expect(throws: PortableGrayMap.ParseError.self) { try PortableGrayMap.parse(Array("P5 x 2 255\n".utf8)) }
    }
}
