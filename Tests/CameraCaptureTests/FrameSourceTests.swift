@testable import CameraCapture
import Foundation
import Testing

@Suite struct FileFrameSourceTests {
    /// A folder with two PGM frames, one JPEG frame and one corrupt JPEG, named in play order.
    private func recording() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zizhu-frames-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let dark = GrayImage(width: 8, height: 8, pixels: Array(repeating: 10, count: 64))
        let light = GrayImage(width: 8, height: 8, pixels: Array(repeating: 200, count: 64))
        try Data(PortableGrayMap.encode(dark)).write(to: folder.appendingPathComponent("frame-0001.pgm"))
        try Data(PortableGrayMap.encode(light)).write(to: folder.appendingPathComponent("frame-0002.pgm"))
        try Data(try JPEGEncoder.encode(light)).write(to: folder.appendingPathComponent("frame-0003.jpg"))
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 16]).write(to: folder.appendingPathComponent("frame-0004.jpg"))
        try Data("notes".utf8).write(to: folder.appendingPathComponent("README.txt"))
        return folder
    }

    @Test func playsInNameOrderWithTimestampsAtTheRate() async throws {
        let folder = try recording()
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = try FileFrameSource.directory(folder, framesPerSecond: 10, pacing: .immediate)
        let first = try await source.nextFrame(timeout: .seconds(1))
        #expect(first.sequence == 0 && first.timestamp == .zero && first.image[0, 0] == 10 && first.jpeg == nil)
        let second = try await source.nextFrame(timeout: .seconds(1))
        #expect(second.timestamp == .milliseconds(100) && second.image[0, 0] == 200)
        let third = try await source.nextFrame(timeout: .seconds(1))
        #expect(third.timestamp == .milliseconds(200) && third.jpeg != nil)
        #expect(abs(Int(third.image[4, 4]) - 200) <= 2)
        // The corrupt file is a bad frame, not the end; then the recording ends.
        await #expect { try await source.nextFrame(timeout: .seconds(1)) } throws: { error in
            if case CameraError.badFrame(let text) = error { return text.hasPrefix("frame-0004.jpg") }
            return false
        }
        await #expect(throws: CameraError.ended) { try await source.nextFrame(timeout: .seconds(1)) }
    }

    @Test func loopsWhenAsked() async throws {
        let folder = try recording()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pgms = ["frame-0001.pgm", "frame-0002.pgm"].map { folder.appendingPathComponent($0) }
        let source = FileFrameSource(files: pgms, framesPerSecond: 20, pacing: .immediate, atEnd: .loop)
        var firstPixels: [UInt8] = []
        for _ in 0..<5 { firstPixels.append(try await source.nextFrame(timeout: .seconds(1)).image[0, 0]) }
        #expect(firstPixels == [10, 200, 10, 200, 10])
        await source.close()
        await #expect(throws: CameraError.ended) { try await source.nextFrame(timeout: .seconds(1)) }
    }

    @Test func realTimePacingTimesOutWhenTheNextFrameIsLate() async throws {
        let folder = try recording()
        defer { try? FileManager.default.removeItem(at: folder) }
        // One frame every 1000 s: the second frame is not due within a 50 ms timeout, however loaded the machine.
        let source = try FileFrameSource.directory(folder, framesPerSecond: 0.001, pacing: .realTime)
        _ = try await source.nextFrame(timeout: .seconds(1))
        await #expect(throws: CameraError.timeout(.milliseconds(50))) { try await source.nextFrame(timeout: .milliseconds(50)) }
    }

    @Test func aLateReaderGetsTheFrameDueNowLikeFromACamera() async throws {
        let folder = try recording()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pgms = ["frame-0001.pgm", "frame-0002.pgm"].map { folder.appendingPathComponent($0) }
        // 1000 fps; the reader then sleeps at least 30 ms, so at least 30 frames were due meanwhile.
        let looping = FileFrameSource(files: pgms, framesPerSecond: 1000, pacing: .realTime, atEnd: .loop)
        _ = try await looping.nextFrame(timeout: .seconds(1))
        try await Task.sleep(for: .milliseconds(30))
        let late = try await looping.nextFrame(timeout: .seconds(1))
        #expect(late.sequence >= 30 && late.timestamp == .milliseconds(late.sequence))
        // A finished recording stays finished however late the reader comes.
        let once = FileFrameSource(files: pgms, framesPerSecond: 1000, pacing: .realTime)
        _ = try await once.nextFrame(timeout: .seconds(1))
        try await Task.sleep(for: .milliseconds(30))
        await #expect(throws: CameraError.ended) { try await once.nextFrame(timeout: .seconds(1)) }
    }

    @Test func aMissingOrEmptyFolderIsAMissingDevice() throws {
        #expect(throws: CameraError.deviceMissing(path: "/nonexistent/zizhu-frames")) {
            try FileFrameSource.directory(URL(fileURLWithPath: "/nonexistent/zizhu-frames"))
        }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("zizhu-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(throws: CameraError.deviceMissing(path: empty.path)) { try FileFrameSource.directory(empty) }
    }
}

@Suite struct FakeFrameSourceTests {
    @Test func playsItsScriptThenStaysUnplugged() async throws {
        let image = GrayImage(width: 2, height: 2, pixels: [1, 2, 3, 4])
        let source = FakeFrameSource([.frame(image), .stall, .badFrame, .frame(image), .unplug], interval: .milliseconds(50))
        #expect(try await source.nextFrame(timeout: .seconds(1)).timestamp == .zero)
        await #expect(throws: CameraError.timeout(.seconds(1))) { try await source.nextFrame(timeout: .seconds(1)) }
        await #expect { try await source.nextFrame(timeout: .seconds(1)) } throws: { ($0 as? CameraError)?.isFatal == false }
        let fourth = try await source.nextFrame(timeout: .seconds(1))
        #expect(fourth.sequence == 3 && fourth.timestamp == .milliseconds(150))
        await #expect(throws: CameraError.unplugged(path: "fake")) { try await source.nextFrame(timeout: .seconds(1)) }
        await #expect(throws: CameraError.unplugged(path: "fake")) { try await source.nextFrame(timeout: .seconds(1)) }
    }
}

/// The V4L2 camera cannot stream here (no /dev/video*, no V4L2 in the kernel: devices.md §4), so
/// these tests drive its real open path into each refusal the kiosk must report.
@Suite struct V4L2CameraTests {
    @Test func aMissingDeviceSaysSo() {
        #expect(throws: CameraError.deviceMissing(path: "/dev/video-zizhu-missing")) {
            try V4L2Camera(path: "/dev/video-zizhu-missing")
        }
    }

    @Test func devNullIsNotAVideoDevice() {
        #expect { try V4L2Camera(path: "/dev/null") } throws: { error in
            guard case CameraError.notAVideoDevice(path: "/dev/null", let detail) = error else { return false }
            return detail.contains("VIDIOC_QUERYCAP")
        }
    }

    @Test func aRegularFileOrAFolderIsNotAVideoDevice() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("zizhu-not-a-camera-\(UUID().uuidString)")
        try Data("frames?".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect { try V4L2Camera(path: file.path) } throws: { error in
            if case CameraError.notAVideoDevice = error { return true }
            return false
        }
        #expect { try V4L2Camera(path: "/tmp") } throws: { error in
            if case CameraError.notAVideoDevice(_, "a directory") = error { return true }
            return false
        }
    }

    @Test func yuyvBecomesItsLumaPlane() throws {
        // 4×2 YUYV with 2 bytes of row padding: Y values 10,20,30,40 / 50,60,70,80.
        let format = V4L2Camera.Format(encoding: .yuyv, width: 4, height: 2, bytesPerLine: 10)
        let bytes: [UInt8] = [10, 128, 20, 128, 30, 128, 40, 128, 0, 0,
                              50, 128, 60, 128, 70, 128, 80, 128, 0, 0]
        #expect(try V4L2Camera.luma(fromYUYV: bytes, format: format).pixels == [10, 20, 30, 40, 50, 60, 70, 80])
        #expect(throws: CameraError.self) { try V4L2Camera.luma(fromYUYV: Array(bytes.prefix(12)), format: format) }
    }

    @Test func fourCCsReadAsText() {
        #expect(V4L2Camera.fourCC(0x5659_5559) == "YUYV")
    }
}
