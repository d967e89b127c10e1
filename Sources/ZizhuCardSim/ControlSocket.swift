import Glibc

/// The operator's line to the emulator: a Unix stream socket taking one request line per
/// connection and answering one line.
///
///     insert <absolute profile path>   -> ok inserted profile=<path>   | error <reason>
///     remove                           -> ok removed                   | ok no card was inserted
///     status                           -> ok card=none | ok card=inserted vpcd=connected|waiting <card>
///
/// `zizhuctl card insert|remove|sim-status` speak it.
enum ControlRequest: Equatable {
    case insert(profilePath: String)
    case remove
    case status

    static let usage = "insert <absolute profile path> | remove | status"

    /// Parses one request line (without its newline); the reason text when it is not one.
    static func parse(_ line: String) -> Result<ControlRequest, ControlRequestError> {
        let trimmed = line.hasSuffix("\r") ? String(line.dropLast()) : line
        if trimmed == "remove" { return .success(.remove) }
        if trimmed == "status" { return .success(.status) }
        if trimmed.hasPrefix("insert ") {
            // Everything after the first space is the path, spaces included.
            let path = String(trimmed.dropFirst("insert ".count))
            guard path.hasPrefix("/") else { return .failure(.relativePath(path)) }
            return .success(.insert(profilePath: path))
        }
        return .failure(.unknown)
    }
}

/// Why a control line is not a request.
enum ControlRequestError: Error, Equatable, CustomStringConvertible {
    case unknown
    case relativePath(String)

    var description: String {
        switch self {
        case .unknown: return "usage: \(ControlRequest.usage)"
        case .relativePath(let path): return "the profile path must be absolute (the emulator's working directory is not yours): \(path)"
        }
    }
}

/// Why the control socket could not be opened.
enum ControlSocketError: Error, CustomStringConvertible {
    case pathTooLong(String)
    case inUse(String)
    case notASocket(String)
    case system(call: String, path: String, errno: Int32)

    var description: String {
        switch self {
        case .pathTooLong(let path): return "\(path): a Unix socket path has at most 107 bytes"
        case .inUse(let path): return "\(path): another zizhu-cardsim is listening there"
        case .notASocket(let path): return "\(path): exists and is not a socket; refusing to replace it"
        case .system(let call, let path, let code): return "\(path): \(call) failed: \(String(cString: strerror(code)))"
        }
    }
}

/// The listening control socket. Serves one connection at a time: requests are rare and quick.
final class ControlSocket: Sendable {
    let path: String
    private let descriptor: Int32

    /// Listens on `path` (mode 0600: only root may insert cards). A stale socket left by a killed
    /// emulator is replaced; a live one, or any other kind of file, is an error.
    init(path: String) throws(ControlSocketError) {
        self.path = path
        var status = stat()
        if lstat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFSOCK else { throw .notASocket(path) }
            if let probe = try? Self.connect(to: path) {
                close(probe)
                throw .inUse(path)
            }
            unlink(path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .system(call: "socket", path: path, errno: errno) }
        var address = try Self.address(path)
        let previousMask = umask(0o177)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        umask(previousMask)
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw .system(call: "bind", path: path, errno: code)
        }
        guard listen(fd, 8) == 0 else {
            let code = errno
            close(fd)
            unlink(path)
            throw .system(call: "listen", path: path, errno: code)
        }
        descriptor = fd
    }

    /// Answers requests forever: reads one line per connection and writes `handle`'s reply.
    func serve(_ handle: (String) -> String) -> Never {
        while true {
            let client = accept(descriptor, nil, nil)
            guard client >= 0 else { continue }   // EINTR, or a client that gave up: keep serving
            // A client that connects and says nothing must not hold the slot for others.
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            if let line = Self.readLine(client) {
                let reply = Array((handle(line) + "\n").utf8)
                _ = reply.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
            close(client)
        }
    }

    /// Removes the socket file (on shutdown).
    func unlinkPath() {
        unlink(path)
    }

    /// Reads up to the first newline (or EOF), at most 4 KiB; nil on timeout or error.
    private static func readLine(_ fd: Int32) -> String? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 512)
        while bytes.count < 4096 {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            bytes += chunk.prefix(count)
            if let newline = bytes.firstIndex(of: 0x0A) {
                bytes = Array(bytes[..<newline])
                return String(decoding: bytes, as: UTF8.self)
            }
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }

    private static func address(_ path: String) throws(ControlSocketError) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw .pathTooLong(path) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }

    private static func connect(to path: String) throws(ControlSocketError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .system(call: "socket", path: path, errno: errno) }
        var address = try address(path)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw .system(call: "connect", path: path, errno: code)
        }
        return fd
    }
}
