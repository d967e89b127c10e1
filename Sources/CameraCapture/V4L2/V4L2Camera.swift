internal import CV4L2
import Dispatch
import Glibc

/// A USB (UVC) camera through Video4Linux2 memory-mapped streaming, 640×480 MJPEG or YUYV.
///
/// Device calls block (`poll`, `ioctl`), so they run on the camera's own serial queue, never on
/// the cooperative pool. The kernel's ioctl sequence is the one in devices.md §4.
public final class V4L2Camera: FrameSource, @unchecked Sendable {
    // @unchecked: `device` is only touched on `queue`, which serialises every call.

    /// What the camera agreed to deliver.
    public struct Format: Equatable, Sendable {
        public enum Encoding: Sendable { case mjpeg, yuyv }
        public let encoding: Encoding
        public let width: Int
        public let height: Int
        public let bytesPerLine: Int
    }

    public let path: String
    public let format: Format
    private let queue: DispatchQueue
    private var device: Device?

    /// An open, streaming device: the descriptor and its mapped buffers.
    private struct Device {
        let descriptor: Int32
        var buffers: [(start: UnsafeMutableRawPointer, length: Int)]
        var firstTimestamp: Duration?
        var sequence = 0
    }

    /// Opens `path`, negotiates the format (MJPEG preferred: the camera compresses, and the JPEG
    /// is colour evidence as is; YUYV otherwise) and starts streaming.
    /// - Throws: ``CameraError``: `.deviceMissing`, `.notAVideoDevice`, `.permissionDenied`,
    ///   `.busy`, `.unsupportedFormat`, `.systemCall`.
    public init(path: String = "/dev/video0", width: Int = 640, height: Int = 480, framesPerSecond: Int = 15,
                bufferCount: Int = 4) throws(CameraError) {
        self.path = path
        self.queue = DispatchQueue(label: "zizhu.camera.\(path)")
        let descriptor = Glibc.open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            switch code {
            case ENOENT, ENXIO, ENODEV: throw .deviceMissing(path: path)
            case EACCES, EPERM: throw .permissionDenied(path: path)
            case EBUSY: throw .busy(path: path)
            case EISDIR: throw .notAVideoDevice(path: path, detail: "a directory")
            default: throw .systemCall("open", errno: code)
            }
        }
        var buffers: [(start: UnsafeMutableRawPointer, length: Int)] = []
        do throws(CameraError) {
            try Self.requireCapture(descriptor, path: path)
            format = try Self.negotiate(descriptor, width: width, height: height, framesPerSecond: framesPerSecond)
            buffers = try Self.mapBuffers(descriptor, count: bufferCount)
            var type = UInt32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
            guard zz_v4l2_ioctl(descriptor, ZZ_VIDIOC_STREAMON, &type) == 0 else { throw Self.failure("VIDIOC_STREAMON", path: path) }
        } catch {
            Self.release(descriptor, buffers: buffers, streaming: false)
            throw error
        }
        device = Device(descriptor: descriptor, buffers: buffers)
    }

    deinit {
        if let device { Self.release(device.descriptor, buffers: device.buffers, streaming: true) }
    }

    public func nextFrame(timeout: Duration) async throws(CameraError) -> CameraFrame {
        let result: Result<CameraFrame, CameraError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: Result { () throws(CameraError) -> CameraFrame in try self.dequeue(timeout: timeout) })
            }
        }
        return try result.get()
    }

    public func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                if let device = self.device { Self.release(device.descriptor, buffers: device.buffers, streaming: true) }
                self.device = nil
                continuation.resume()
            }
        }
    }

    // MARK: On the queue

    private func dequeue(timeout: Duration) throws(CameraError) -> CameraFrame {
        guard var current = device else { throw .unplugged(path: path) }
        let deadline = ContinuousClock.now + timeout
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw .timeout(timeout) }
            var descriptor = pollfd(fd: current.descriptor, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(clamping: (remaining.components.seconds * 1000) + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw .systemCall("poll", errno: errno)
            }
            if ready == 0 { throw .timeout(timeout) }
            if descriptor.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 && descriptor.revents & Int16(POLLIN) == 0 {
                unplug()
                throw .unplugged(path: path)
            }
            var buffer = v4l2_buffer()
            buffer.type = UInt32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
            buffer.memory = UInt32(V4L2_MEMORY_MMAP.rawValue)
            if zz_v4l2_ioctl(current.descriptor, ZZ_VIDIOC_DQBUF, &buffer) != 0 {
                let code = errno
                if code == EAGAIN { continue }
                if code == ENODEV || code == EIO {
                    unplug()
                    throw .unplugged(path: path)
                }
                throw .systemCall("VIDIOC_DQBUF", errno: code)
            }
            // Copy out, then hand the buffer straight back so the driver never runs dry.
            let mapped = current.buffers[Int(buffer.index)]
            let used = min(Int(buffer.bytesused), mapped.length)
            let bytes = Array(UnsafeRawBufferPointer(start: mapped.start, count: used))
            if zz_v4l2_ioctl(current.descriptor, ZZ_VIDIOC_QBUF, &buffer) != 0, errno == ENODEV || errno == EIO {
                unplug()
                throw .unplugged(path: path)
            }
            let captured = Duration.seconds(Int64(buffer.timestamp.tv_sec)) + .microseconds(Int64(buffer.timestamp.tv_usec))
            let first = current.firstTimestamp ?? captured
            current.firstTimestamp = first
            let sequence = current.sequence
            current.sequence += 1
            device = current
            let timestamp = captured - first
            switch format.encoding {
            case .mjpeg:
                do {
                    return CameraFrame(sequence: sequence, timestamp: timestamp, image: try JPEGDecoder.decodeGray(bytes), jpeg: bytes)
                } catch {
                    throw .badFrame("MJPEG frame \(sequence): \(error)")
                }
            case .yuyv:
                let image = try Self.luma(fromYUYV: bytes, format: format)
                return CameraFrame(sequence: sequence, timestamp: timestamp, image: image)
            }
        }
    }

    private func unplug() {
        if let device { Self.release(device.descriptor, buffers: device.buffers, streaming: false) }
        device = nil
    }

    // MARK: Set-up steps

    private static func requireCapture(_ descriptor: Int32, path: String) throws(CameraError) {
        var capability = v4l2_capability()
        guard zz_v4l2_ioctl(descriptor, ZZ_VIDIOC_QUERYCAP, &capability) == 0 else {
            let code = errno
            if code == ENOTTY || code == EINVAL { throw .notAVideoDevice(path: path, detail: "VIDIOC_QUERYCAP: \(String(cString: strerror(code)))") }
            throw failure("VIDIOC_QUERYCAP", path: path, errno: code)
        }
        let capabilities = capability.capabilities & UInt32(V4L2_CAP_DEVICE_CAPS) != 0 ? capability.device_caps : capability.capabilities
        guard capabilities & UInt32(V4L2_CAP_VIDEO_CAPTURE) != 0 else { throw .notAVideoDevice(path: path, detail: "no video capture") }
        guard capabilities & UInt32(V4L2_CAP_STREAMING) != 0 else { throw .notAVideoDevice(path: path, detail: "no streaming I/O") }
    }

    private static func negotiate(_ descriptor: Int32, width: Int, height: Int, framesPerSecond: Int) throws(CameraError) -> Format {
        var offered: [UInt32] = []
        var description = v4l2_fmtdesc()
        description.type = UInt32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
        while zz_v4l2_ioctl(descriptor, ZZ_VIDIOC_ENUM_FMT, &description) == 0 {
            offered.append(description.pixelformat)
            description.index += 1
            if description.index > 64 { break }   // a broken driver that never says EINVAL
        }
        let pixelFormat: UInt32
        if offered.contains(ZZ_V4L2_PIX_FMT_MJPEG) {
            pixelFormat = ZZ_V4L2_PIX_FMT_MJPEG
        } else if offered.contains(ZZ_V4L2_PIX_FMT_YUYV) {
            pixelFormat = ZZ_V4L2_PIX_FMT_YUYV
        } else {
            throw .unsupportedFormat("the camera offers neither MJPEG nor YUYV (\(offered.map(fourCC).joined(separator: ", ")))")
        }
        var requested = v4l2_format()
        requested.type = UInt32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
        requested.fmt.pix.width = UInt32(width)
        requested.fmt.pix.height = UInt32(height)
        requested.fmt.pix.pixelformat = pixelFormat
        requested.fmt.pix.field = UInt32(V4L2_FIELD_ANY.rawValue)
        guard zz_v4l2_ioctl(descriptor, ZZ_VIDIOC_S_FMT, &requested) == 0 else {
            throw .unsupportedFormat("VIDIOC_S_FMT \(width)×\(height) \(fourCC(pixelFormat)): \(String(cString: strerror(errno)))")
        }
        // Drivers may adjust the request; use what they answered.
        let pix = requested.fmt.pix
        guard pix.pixelformat == pixelFormat, pix.width > 0, pix.height > 0 else {
            throw .unsupportedFormat("the camera answered \(pix.width)×\(pix.height) \(fourCC(pix.pixelformat))")
        }
        var parameters = v4l2_streamparm()
        parameters.type = UInt32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
        parameters.parm.capture.timeperframe = v4l2_fract(numerator: 1, denominator: UInt32(framesPerSecond))
        _ = zz_v4l2_ioctl(descriptor, ZZ_VIDIOC_S_PARM, &parameters)   // optional: some cameras fix their rate
        let encoding: Format.Encoding = pixelFormat == ZZ_V4L2_PIX_FMT_MJPEG ? .mjpeg : .yuyv
        let bytesPerLine = pix.bytesperline > 0 ? Int(pix.bytesperline) : Int(pix.width) * 2
        return Format(encoding: encoding, width: Int(pix.width), height: Int(pix.height), bytesPerLine: bytesPerLine)
    }

    private static func mapBuffers(_ descriptor: Int32, count: Int) throws(CameraError) -> [(start: UnsafeMutableRawPointer, length: Int)] {
        var request = v4l2_requestbuffers()
        request.count = UInt32(count)
        request.type = UInt32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
        request.memory = UInt32(V4L2_MEMORY_MMAP.rawValue)
        guard zz_v4l2_ioctl(descriptor, ZZ_VIDIOC_REQBUFS, &request) == 0 else {
            throw .unsupportedFormat("VIDIOC_REQBUFS (mmap streaming): \(String(cString: strerror(errno)))")
        }
        guard request.count >= 2 else { throw .unsupportedFormat("the camera granted \(request.count) buffer(s)") }
        var mapped: [(start: UnsafeMutableRawPointer, length: Int)] = []
        for index in 0..<request.count {
            var buffer = v4l2_buffer()
            buffer.type = UInt32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
            buffer.memory = UInt32(V4L2_MEMORY_MMAP.rawValue)
            buffer.index = index
            guard zz_v4l2_ioctl(descriptor, ZZ_VIDIOC_QUERYBUF, &buffer) == 0 else {
                let code = errno
                release(-1, buffers: mapped, streaming: false)
                throw .systemCall("VIDIOC_QUERYBUF", errno: code)
            }
            let start = mmap(nil, Int(buffer.length), PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, off_t(buffer.m.offset))
            guard let start, start != MAP_FAILED else {
                let code = errno
                release(-1, buffers: mapped, streaming: false)
                throw .systemCall("mmap", errno: code)
            }
            mapped.append((start, Int(buffer.length)))
            guard zz_v4l2_ioctl(descriptor, ZZ_VIDIOC_QBUF, &buffer) == 0 else {
                let code = errno
                release(-1, buffers: mapped, streaming: false)
                throw .systemCall("VIDIOC_QBUF", errno: code)
            }
        }
        return mapped
    }

    /// Stops streaming, unmaps, frees the driver's buffers and closes. `descriptor` −1 unmaps only.
    private static func release(_ descriptor: Int32, buffers: [(start: UnsafeMutableRawPointer, length: Int)], streaming: Bool) {
        if descriptor >= 0, streaming {
            var type = UInt32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
            _ = zz_v4l2_ioctl(descriptor, ZZ_VIDIOC_STREAMOFF, &type)
        }
        for buffer in buffers { munmap(buffer.start, buffer.length) }
        if descriptor >= 0 {
            if !buffers.isEmpty {
                var request = v4l2_requestbuffers()
                request.type = UInt32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
                request.memory = UInt32(V4L2_MEMORY_MMAP.rawValue)
                _ = zz_v4l2_ioctl(descriptor, ZZ_VIDIOC_REQBUFS, &request)
            }
            Glibc.close(descriptor)
        }
    }

    // MARK: Pure helpers (tested without a camera)

    /// The Y plane of packed YUYV (Y0 U Y1 V): the grey image detection needs, no colour conversion.
    static func luma(fromYUYV bytes: [UInt8], format: Format) throws(CameraError) -> GrayImage {
        let needed = format.bytesPerLine * (format.height - 1) + format.width * 2
        guard format.bytesPerLine >= format.width * 2, bytes.count >= needed else {
            throw .badFrame("YUYV frame of \(bytes.count) bytes, expected \(format.bytesPerLine * format.height)")
        }
        var pixels = [UInt8](repeating: 0, count: format.width * format.height)
        bytes.withUnsafeBufferPointer { source in
            for y in 0..<format.height {
                let row = y * format.bytesPerLine
                for x in 0..<format.width { pixels[y * format.width + x] = source[row + 2 * x] }
            }
        }
        return GrayImage(width: format.width, height: format.height, pixels: pixels)
    }

    private static func failure(_ call: String, path: String, errno code: Int32 = errno) -> CameraError {
        code == ENODEV || code == EIO ? .unplugged(path: path) : .systemCall(call, errno: code)
    }

    static func fourCC(_ code: UInt32) -> String {
        String(decoding: (0..<4).map { UInt8(truncatingIfNeeded: code >> (8 * $0)) }, as: UTF8.self)
    }
}
