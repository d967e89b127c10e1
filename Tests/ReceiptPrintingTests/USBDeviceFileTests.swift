import ESCPOS
import Foundation
import Glibc
import Synchronization
import Testing

/// A USB receipt printer is a device file (`/dev/usb/lp0`). A pseudo-terminal in raw mode stands
/// in for it: the link writes to the slave side, the test plays the printer on the master side.
@Suite(.timeLimit(.minutes(1)))
struct USBDeviceFileTests {
    @Test func statusAndJobsGoThroughADeviceFile() throws {
        // O_CLOEXEC: daemons that other tests start meanwhile must not inherit the terminal.
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        try #require(master >= 0)
        defer { close(master) }
        // posix_openpt/ptsname are not imported into Swift's Glibc; their ioctls are, by number
        // (TIOCGPTN = _IOR('T', 0x30, unsigned), TIOCSPTLCK = _IOW('T', 0x31, int) on Linux).
        var number: UInt32 = 0
        var unlocked: Int32 = 0
        try #require(ioctl(master, 0x8004_5430, &number) == 0 && ioctl(master, 0x4004_5431, &unlocked) == 0)
        let path = "/dev/pts/\(number)"
        // Raw mode: no echo, no CR/LF translation, bytes as they are.
        let holder = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC)
        try #require(holder >= 0)
        defer { close(holder) }
        var settings = termios()
        tcgetattr(holder, &settings)
        cfmakeraw(&settings)
        tcsetattr(holder, TCSANOW, &settings)

        let received = Mutex<[UInt8]>([])
        let condition = PrinterCondition(paperNearEnd: true)
        // The printer thread must be gone before the descriptors close: once closed, their numbers
        // go to other tests' sockets, and a thread still reading `master` would take their data.
        let stop = Atomic<Bool>(false)
        let stopped = DispatchSemaphore(value: 0)
        let printer = Thread {
            defer { stopped.signal() }
            // Answer every DLE EOT n, collect the rest, until the test ends (two seconds at most).
            var buffer = [UInt8](repeating: 0, count: 4096)
            let deadline = Date().addingTimeInterval(2)
            while Date() < deadline && !stop.load(ordering: .acquiring) {
                var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 50) == 1 else { continue }
                let count = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
                guard count > 0 else { continue }
                let bytes = Array(buffer.prefix(count))
                received.withLock { $0 += bytes }
                var replies: [UInt8] = []
                for element in ESCPOSParser.parse(bytes) {
                    if case .realTimeStatus(let n) = element, let reply = condition.reply(to: n) { replies.append(reply) }
                }
                if !replies.isEmpty { _ = replies.withUnsafeBytes { write(master, $0.baseAddress, $0.count) } }
            }
        }
        printer.start()
        defer {
            stop.store(true, ordering: .releasing)
            stopped.wait()
        }

        let address = try #require(ESCPOSPrinterAddress(deviceURI: "zizhu-escpos:\(path)"))
        #expect(address == .deviceFile(path))
        let link = try ESCPOSPrinterLink(address)
        #expect(try link.condition() == condition)
        var job = ESCPOSCommands()
        job.line("usb")
        try link.send(job.bytes)
        Thread.sleep(forTimeInterval: 0.3)
        #expect(received.withLock { $0 }.suffix(job.bytes.count) == ArraySlice(job.bytes))
    }
}
