import Glibc

/// Where an ESC/POS printer is: a network port or a USB printer device file, written as the
/// device URI of a `zizhu-escpos` queue: `zizhu-escpos://192.168.1.50:9100` or `zizhu-escpos:/dev/usb/lp0`.
public enum ESCPOSPrinterAddress: Equatable, Sendable, CustomStringConvertible {
    case network(host: String, port: UInt16)
    case deviceFile(String)

    public static let scheme = "zizhu-escpos"

    /// The job option (`zizhu-not-after=<seconds since the epoch>`) with which the kiosk tells
    /// the backend the latest time a job may start printing; `CUPSConnection.submit` sets it.
    public static let notAfterJobOption = "zizhu-not-after"

    public init?(deviceURI: String) {
        guard deviceURI.hasPrefix(Self.scheme + ":") else { return nil }
        let rest = deviceURI.dropFirst(Self.scheme.count + 1)
        if rest.hasPrefix("//") {
            var hostPort = rest.dropFirst(2)
            if let slash = hostPort.firstIndex(of: "/") { hostPort = hostPort[..<slash] }
            guard let colon = hostPort.lastIndex(of: ":"), let port = UInt16(hostPort[hostPort.index(after: colon)...]),
                  colon > hostPort.startIndex else {
                if hostPort.isEmpty { return nil }
                self = .network(host: String(hostPort), port: 9100)
                return
            }
            self = .network(host: String(hostPort[..<colon]), port: port)
        } else if rest.hasPrefix("/") {
            self = .deviceFile(String(rest))
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .network(let host, let port): return "\(Self.scheme)://\(host):\(port)"
        case .deviceFile(let path): return "\(Self.scheme):\(path)"
        }
    }
}

/// Why the printer could not be reached or did not answer. A technician acts, unless it comes back.
public enum ESCPOSLinkError: Error, Equatable, Sendable, CustomStringConvertible {
    case cannotConnect(errno: Int32)
    case writeFailed(errno: Int32)
    /// No status reply in time: not an ESC/POS printer, or it hangs.
    case noReply
    /// A reply that is not a status byte.
    case garbledReply

    public var description: String {
        switch self {
        case .cannotConnect(let code): return "cannot connect: \(String(cString: strerror(code)))"
        case .writeFailed(let code): return "write failed: \(String(cString: strerror(code)))"
        case .noReply: return "the printer does not answer status requests"
        case .garbledReply: return "the printer's status reply is not ESC/POS"
        }
    }
}

/// An open connection to an ESC/POS printer, two-way: job bytes out; status replies and
/// process-ID responses (`GS ( H`) back.
public final class ESCPOSPrinterLink {
    public let address: ESCPOSPrinterAddress
    private let descriptor: Int32
    private var received: [UInt8] = []
    /// Process IDs the printer has reported as printed.
    public private(set) var completedProcessIDs: [[UInt8]] = []

    public init(_ address: ESCPOSPrinterAddress, connectTimeoutMilliseconds: Int32 = 2000) throws(ESCPOSLinkError) {
        self.address = address
        switch address {
        case .deviceFile(let path):
            let fd = open(path, O_RDWR | O_CLOEXEC)
            guard fd >= 0 else { throw .cannotConnect(errno: errno) }
            descriptor = fd
        case .network(let host, let port):
            descriptor = try Self.connect(host: host, port: port, timeoutMilliseconds: connectTimeoutMilliseconds)
        }
    }

    deinit { close(descriptor) }

    private static func connect(host: String, port: UInt16, timeoutMilliseconds: Int32) throws(ESCPOSLinkError) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { throw .cannotConnect(errno: EHOSTUNREACH) }
        defer { freeaddrinfo(list) }
        var lastError = ECONNREFUSED
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), info.pointee.ai_protocol)
            guard fd >= 0 else { lastError = errno; continue }
            if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 && errno != EINPROGRESS {
                lastError = errno
                close(fd)
                continue
            }
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            var soError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            if poll(&poller, 1, timeoutMilliseconds) != 1 {
                lastError = ETIMEDOUT
                close(fd)
                continue
            }
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
            guard soError == 0 else { lastError = soError; close(fd); continue }
            // Back to blocking writes; reads use poll with a timeout.
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            return fd
        }
        throw .cannotConnect(errno: lastError)
    }

    /// Writes all of `bytes`.
    public func send(_ bytes: [UInt8]) throws(ESCPOSLinkError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                // A device file is not a socket.
                if errno == ENOTSOCK {
                    let direct = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
                    if direct > 0 { offset += direct; continue }
                }
                throw .writeFailed(errno: errno)
            }
            offset += written
        }
    }

    /// Asks `DLE EOT 1…4` and reads the four replies.
    public func condition(timeoutMilliseconds: Int32 = 1500) throws(ESCPOSLinkError) -> PrinterCondition {
        var query = ESCPOSCommands()
        for n: UInt8 in 1...4 { query.realTimeStatus(n) }
        try send(query.bytes)
        var replies: [UInt8: UInt8] = [:]
        var statusBytes: [UInt8] = []
        let deadline = Self.now() + Int64(timeoutMilliseconds)
        while statusBytes.count < 4 {
            let remaining = deadline - Self.now()
            guard remaining > 0, readAvailable(timeoutMilliseconds: Int32(remaining)) else { throw .noReply }
            statusBytes += takeStatusBytes()
        }
        for (index, byte) in statusBytes.prefix(4).enumerated() { replies[UInt8(index + 1)] = byte }
        guard let condition = PrinterCondition(replies: replies) else { throw .garbledReply }
        return condition
    }

    /// Waits up to `timeoutMilliseconds` for the printer to report process `id` printed.
    public func waitForProcessID(_ id: [UInt8], timeoutMilliseconds: Int32) -> Bool {
        if completedProcessIDs.contains(id) { return true }
        let deadline = Self.now() + Int64(timeoutMilliseconds)
        while true {
            let remaining = deadline - Self.now()
            guard remaining > 0, readAvailable(timeoutMilliseconds: Int32(remaining)) else { return completedProcessIDs.contains(id) }
            // Status bytes that arrive here were not asked for in this call; drop them.
            _ = takeStatusBytes()
            if completedProcessIDs.contains(id) { return true }
        }
    }

    /// Reads what has arrived (waiting up to the timeout for the first byte).
    private func readAvailable(timeoutMilliseconds: Int32) -> Bool {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, max(0, timeoutMilliseconds)) == 1 else { return false }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return false }
        received += buffer.prefix(count)
        return true
    }

    /// Splits the received bytes: `37 22 d1 d2 d3 d4 00` process-ID responses are recorded, the
    /// rest are status bytes, returned in order. An incomplete response stays for the next read.
    private func takeStatusBytes() -> [UInt8] {
        var status: [UInt8] = []
        var index = 0
        while index < received.count {
            if received[index] == 0x37 {
                guard index + 7 <= received.count else { break }
                if received[index + 1] == 0x22, received[index + 6] == 0x00 {
                    completedProcessIDs.append(Array(received[(index + 2)..<(index + 6)]))
                    index += 7
                    continue
                }
            }
            status.append(received[index])
            index += 1
        }
        received.removeFirst(index)
        return status
    }

    private static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
