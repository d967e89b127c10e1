import Foundation
import SystemdNotify
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A datagram socket bound where systemd's would be, receiving what a notifier sends.
final class NotificationListener {
    let path: String
    private let descriptor: Int32

    init(path: String, abstract: Bool = false) throws {
        self.path = abstract ? "@" + path : path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if abstract { bytes.insert(0, at: 0) }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(descriptor)
        if !path.hasPrefix("@") { unlink(path) }
    }

    /// The next datagram, or nil after 30 s.
    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}

@Suite struct SystemdNotifyTests {
    @Test func readyReachesAPathSocket() throws {
        let path = NSTemporaryDirectory() + "zizhu-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let listener = try NotificationListener(path: path)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path])
        #expect(try notifier.notify("READY=1\nSTATUS=journal open"))
        #expect(listener.receive() == "READY=1\nSTATUS=journal open")
    }

    @Test func readyReachesAnAbstractSocket() throws {
        let name = "zizhu-notify-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let listener = try NotificationListener(path: name, abstract: true)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "@" + name])
        #expect(try notifier.notify("WATCHDOG=1"))
        #expect(listener.receive() == "WATCHDOG=1")
    }

    @Test func outsideSystemdNothingIsSent() throws {
        #expect(try SystemdNotifier(environment: [:]).notify("READY=1") == false)
    }

    @Test func theWatchdogIntervalIsOnlyForTheWatchedProcess() {
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "60000000"]).watchdogTimeout == .seconds(60))
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "60000000", "WATCHDOG_PID": "\(getpid())"]).watchdogTimeout == .seconds(60))
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "60000000", "WATCHDOG_PID": "1"]).watchdogTimeout == nil)
        #expect(SystemdNotifier(environment: ["WATCHDOG_USEC": "soon"]).watchdogTimeout == nil)
    }

    @Test func aMissingSocketIsAnErrorNotACrash() {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent/zizhu/notify.sock"])
        #expect(throws: SystemdNotifier.Failure.self) { try notifier.notify("READY=1") }
    }

    /// The real `zizhu-kiosk service` under a notification socket, as systemd starts it: it says
    /// READY=1 once the journal is open and then pings the watchdog; SIGTERM ends it cleanly.
    @Test func theKioskServiceSaysReadyAndPingsTheWatchdog() throws {
        guard let binDir = ProcessInfo.processInfo.environment["ZIZHU_BIN_DIR"] else {
            Issue.record("ZIZHU_BIN_DIR is not set (kiosk/test.sh sets it)")
            return
        }
        let folder = NSTemporaryDirectory() + "zizhu-test-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let listener = try NotificationListener(path: folder + "/notify.sock")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binDir + "/zizhu-kiosk")
        process.arguments = ["service"]
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = listener.path
        // 2 s: a ping every second.
        environment["WATCHDOG_USEC"] = "2000000"
        environment["ZIZHU_STORAGE_STATE_DIRECTORY"] = folder + "/state"
        environment["ZIZHU_HUB_URL"] = "http://127.0.0.1:9"
        process.environment = environment
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        let first = listener.receive()
        #expect(first?.hasPrefix("READY=1") == true, "got \(first ?? "nothing")")
        #expect(first?.contains("STATUS=backlog ") == true, "the status names the backlog")
        let second = listener.receive()
        #expect(second?.hasPrefix("WATCHDOG=1") == true, "got \(second ?? "nothing")")
        process.terminate()
        var stopping = false
        while let message = listener.receive() {
            if message.contains("STOPPING=1") { stopping = true; break }
        }
        process.waitUntilExit()
        #expect(stopping)
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }
}
