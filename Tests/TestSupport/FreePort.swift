import Glibc
import Synchronization

/// Free TCP ports on loopback, for services that must listen somewhere.
public enum FreePort {
    private static let handedOut = Mutex<Set<UInt16>>([])

    /// A port nothing listens on right now and that this process has not handed out before.
    /// With `pair`, the next port is free too (vpcd takes PORT and PORT+1).
    public static func next(pair: Bool = false) throws -> UInt16 {
        for _ in 0..<200 {
            let port = try probe()
            guard port < 65535 else { continue }
            if pair && !isFree(port + 1) { continue }
            let fresh = handedOut.withLock { taken -> Bool in
                guard !taken.contains(port), !(pair && taken.contains(port + 1)) else { return false }
                taken.insert(port)
                if pair { taken.insert(port + 1) }
                return true
            }
            if fresh { return port }
        }
        throw TestEnvironmentError.timedOut("a free TCP port")
    }

    /// Binds port 0 and reads back what the kernel chose.
    private static func probe() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestEnvironmentError.missing(what: "a socket", remedy: "check the sandbox") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = INADDR_ANY
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw TestEnvironmentError.timedOut("binding port 0") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Whether a port can be bound on all interfaces right now.
    public static func isFree(_ port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = INADDR_ANY
        address.sin_port = port.bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    public static func isListening(_ port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        address.sin_port = port.bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
