import Glibc

/// The card side of vsmartcard's vpcd protocol (the reader driver inside pcscd is the server).
///
/// Framing, both ways: a 2-byte big-endian length, then that many bytes. From vpcd, a 1-byte
/// frame is a control code (0 power off, 1 power on, 2 reset, 4 send the ATR); anything longer is
/// a command APDU answered with exactly one frame (response data + SW1 SW2). Connecting is
/// inserting the card; closing the socket is pulling it.
public final class VPCDLink {
    public enum Control: UInt8 {
        case powerOff = 0
        case powerOn = 1
        case reset = 2
        case getATR = 4
    }

    public enum Message: Equatable {
        case control(Control)
        case unknownControl(UInt8)
        case apdu([UInt8])
    }

    public enum LinkError: Error, Equatable {
        /// pcscd is not listening (yet): retry.
        case connectionRefused
        /// vpcd closed the connection: pcscd stopped.
        case closed
        case system(Int32)
    }

    private let descriptor: Int32

    /// Connects to vpcd on `host:port` (its reader.conf CHANNELID).
    public init(host: String, port: UInt16) throws(LinkError) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .system(errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(fd)
            throw .system(EINVAL)
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw code == ECONNREFUSED ? .connectionRefused : .system(code)
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        descriptor = fd
    }

    deinit {
        close(descriptor)
    }

    /// Pulls the card: shuts the connection down so vpcd sees it close and a ``receive()`` blocked
    /// on another thread returns ``LinkError/closed``. Safe to call from any thread: it only
    /// touches the descriptor, which stays open (and so cannot be reused) until `deinit`.
    public func shutdown() {
        _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
    }

    /// Waits for the next frame from vpcd.
    public func receive() throws(LinkError) -> Message {
        let header = try readExactly(2)
        let length = Int(header[0]) << 8 | Int(header[1])
        guard length > 0 else { return .apdu([]) }
        let body = try readExactly(length)
        if length == 1 {
            return Control(rawValue: body[0]).map(Message.control) ?? .unknownControl(body[0])
        }
        return .apdu(body)
    }

    /// Sends one frame (an ATR or a response APDU).
    public func send(_ payload: [UInt8]) throws(LinkError) {
        precondition(payload.count <= 0xFFFF, "a vpcd frame holds at most 65535 bytes")
        let frame = [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload
        var offset = 0
        while offset < frame.count {
            let written = frame.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                throw errno == EPIPE || errno == ECONNRESET ? .closed : .system(errno)
            }
            offset += written
        }
    }

    private func readExactly(_ count: Int) throws(LinkError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            // vpcd writes the length and the body in two send() calls without TCP_NODELAY; unless
            // we ACK at once, Nagle holds the body for our delayed ACK (~40 ms per APDU). The flag
            // is not sticky, so it is set before every read.
            var one: Int32 = 1
            setsockopt(descriptor, Int32(IPPROTO_TCP), Int32(TCP_QUICKACK), &one, socklen_t(MemoryLayout<Int32>.size))
            let received = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress! + filled, count - filled, 0) }
            if received == 0 { throw .closed }
            if received < 0 {
                if errno == EINTR { continue }
                throw errno == ECONNRESET ? .closed : .system(errno)
            }
            filled += received
        }
        return buffer
    }
}
