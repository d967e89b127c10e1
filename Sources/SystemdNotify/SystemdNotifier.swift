#if canImport(Glibc)
import Glibc
#endif
import Logging
import ServiceLifecycle

/// Talks to systemd's notification socket (`sd_notify(3)`) without libsystemd: one datagram per
/// message on the AF_UNIX socket named by `NOTIFY_SOCKET` (a path, or `@name` for the abstract
/// namespace). Outside systemd (no `NOTIFY_SOCKET`) every call does nothing.
public struct SystemdNotifier: Sendable {
    /// The socket address, or nil when not started by systemd with `Type=notify`.
    public let socketPath: String?
    /// How often systemd expects `WATCHDOG=1` (`WatchdogSec=`), if it watches this process.
    public let watchdogTimeout: Duration?

    public init(environment: [String: String]) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        // WATCHDOG_PID, when set, names the process systemd watches; a child must not ping.
        let forUs = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        if forUs, let text = environment["WATCHDOG_USEC"], let microseconds = Int64(text), microseconds > 0 {
            watchdogTimeout = .microseconds(microseconds)
        } else {
            watchdogTimeout = nil
        }
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case socket(Int32)
        case addressTooLong(String)
        case send(Int32)

        public var description: String {
            switch self {
            case .socket(let code): return "cannot make a notification socket: \(String(cString: strerror(code)))"
            case .addressTooLong(let path): return "NOTIFY_SOCKET is too long for a socket address: \(path)"
            case .send(let code): return "systemd's notification socket refused the message: \(String(cString: strerror(code)))"
            }
        }
    }

    /// Sends `state` (e.g. `READY=1`, `WATCHDOG=1`, `STATUS=…`, `STOPPING=1`), newline-separated
    /// assignments as sd_notify takes them. Returns false when not under systemd.
    @discardableResult
    public func notify(_ state: String) throws(Failure) -> Bool {
        guard let socketPath else { return false }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw .socket(errno) }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        // "@name" is Linux's abstract namespace: a leading NUL, and no trailing one.
        let abstract = pathBytes.first == UInt8(ascii: "@")
        if abstract { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { throw .addressTooLong(socketPath) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + (abstract ? 0 : 1))
        let message = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                message.withUnsafeBytes { bytes in
                    sendto(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), socketAddress, length)
                }
            }
        }
        guard sent == message.count else { throw .send(errno) }
        return true
    }
}

/// Tells systemd the process is ready, then pings the watchdog at half its timeout, but only
/// while `isHealthy` says so: a hung or broken process stops pinging and systemd restarts it.
/// Runs until graceful shutdown, then says `STOPPING=1`.
public struct SystemdWatchdogService: Service {
    public let notifier: SystemdNotifier
    public let isHealthy: @Sendable () async -> Bool
    public let status: @Sendable () async -> String
    public let logger: Logger

    public init(notifier: SystemdNotifier, logger: Logger, status: @escaping @Sendable () async -> String = { "running" },
                isHealthy: @escaping @Sendable () async -> Bool) {
        self.notifier = notifier
        self.isHealthy = isHealthy
        self.status = status
        self.logger = logger
    }

    public func run() async throws {
        guard notifier.socketPath != nil else { return await waitForShutdown() }
        send("READY=1\nSTATUS=\(await status())")
        let interval = notifier.watchdogTimeout.map { $0 / 2 } ?? .seconds(30)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if await isHealthy() {
                send("WATCHDOG=1\nSTATUS=\(await status())")
            } else {
                // No ping: systemd restarts the process once WatchdogSec passes without one.
                logger.error("health check failed: not pinging systemd's watchdog")
                send("STATUS=unhealthy")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
        send("STOPPING=1")
    }

    private func send(_ state: String) {
        do {
            try notifier.notify(state)
        } catch {
            logger.warning("systemd notification failed", metadata: ["error": .string("\(error)")])
        }
    }

    private func waitForShutdown() async {
        try? await gracefulShutdown()
    }
}
