import Foundation
import Glibc
import Synchronization

/// A TCP proxy on loopback in front of a server that can lose the server's answers: in
/// `.dropResponses` mode every request reaches the server whole, the server's reply is read and
/// thrown away, and the client's connection is closed — the network failing after the server
/// committed, which is the case exactly-once delivery exists for.
///
/// One thread per connection with blocking sockets: tests send a handful of requests.
public final class ResponseDroppingProxy: Sendable {
    /// `corruptRequests` flips the case of one letter in every chunk of a request body on its way
    /// to the server: a batch damaged in transit, same length, no longer what the kiosk signed.
    public enum Mode: Sendable { case forward, dropResponses, corruptRequests }

    public let port: UInt16
    private let upstreamPort: UInt16
    private let listener: Int32
    private let state = Mutex<(mode: Mode, dropped: Int, stopped: Bool)>((.forward, 0, false))

    public var url: String { "http://127.0.0.1:\(port)" }

    /// Answers the proxy lost so far.
    public var droppedResponses: Int { state.withLock { $0.dropped } }

    public func setMode(_ mode: Mode) { state.withLock { $0.mode = mode } }

    public init(upstreamPort: UInt16) throws {
        self.upstreamPort = upstreamPort
        port = try FreePort.next()
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard listener >= 0, bound, listen(listener, 16) == 0 else {
            throw TestEnvironmentError.missing(what: "a listening socket on port \(port)", remedy: "check the sandbox")
        }
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Stops accepting; connections in flight end when their peers close.
    public func stop() {
        state.withLock { $0.stopped = true }
        // The accept loop closes the listener once it has left accept(): closed here, its number
        // could go to another test's socket while the loop still waits on it.
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func acceptLoop() {
        defer { close(listener) }
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if state.withLock({ $0.stopped }) { return }
                continue
            }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            let thread = Thread { [self] in relay(client) }
            thread.start()
        }
    }

    private func relay(_ client: Int32) {
        defer { close(client) }
        let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(upstream) }
        var address = Self.loopback(upstreamPort)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { return }
        // Requests flow on a thread of their own; answers come back (or are lost) here. Both
        // sockets stay open until that thread is done with them.
        let pumped = DispatchSemaphore(value: 0)
        let requests = Thread { [self] in
            pump(from: client, to: upstream)
            pumped.signal()
        }
        requests.start()
        defer { pumped.wait() }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(upstream, &buffer, buffer.count)
            if count <= 0 { break }
            if state.withLock({ $0.mode }) == .dropResponses {
                // The server has answered, so it has committed; the client never hears of it.
                state.withLock { $0.dropped += 1 }
                shutdown(client, Int32(SHUT_RDWR))
                return
            }
            guard Self.writeAll(client, buffer, count) else { break }
        }
        shutdown(client, Int32(SHUT_RDWR))
    }

    private func pump(from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var inBody = false
        while true {
            let count = read(source, &buffer, buffer.count)
            if count <= 0 { break }
            if state.withLock({ $0.mode }) == .corruptRequests {
                var start = 0
                if !inBody, let end = Self.headerEnd(buffer, count) {
                    inBody = true
                    start = end
                }
                if inBody, let index = (start..<count).first(where: { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(buffer[$0]) }) {
                    buffer[index] ^= 0x20
                }
            }
            if !Self.writeAll(destination, buffer, count) { break }
        }
        shutdown(destination, Int32(SHUT_WR))
    }

    /// The offset just past "\r\n\r\n" in the first `count` bytes, if present.
    private static func headerEnd(_ buffer: [UInt8], _ count: Int) -> Int? {
        guard count >= 4 else { return nil }
        for index in 0...(count - 4) where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
            return index + 4
        }
        return nil
    }

    private static func writeAll(_ fd: Int32, _ buffer: [UInt8], _ count: Int) -> Bool {
        var written = 0
        while written < count {
            let result = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + written, count - written) }
            if result <= 0 { return false }
            written += result
        }
        return true
    }

    private static func loopback(_ port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return address
    }
}
