import ArgumentParser
import ESCPOS
import Foundation
import Glibc
import Logging
import Synchronization
import ZizhuLogging

@main
struct ZizhuPrinterSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zizhu-printersim",
        abstract: "Plays a network ESC/POS receipt printer (port-9100 style) for the demo and tests.",
        discussion: """
            Every connection is one job. What the printer puts on paper is saved as job-<n>.bin (the
            bytes) and job-<n>.txt (a readable transcript: lines, sizes, QR payloads, cuts), with a
            job-<n>-image-<k>.pbm per raster image. Real-time status requests (DLE EOT 1-4) are
            answered at once from the printer's condition; a process-ID request (GS ( H) is answered
            when everything before it is printed; DLE DC4 8 clears what is not printed yet (saved as
            job-<n>.cancelled.txt). While the paper is out, the cover open or the printer off line,
            nothing prints and the rest of the job waits, as in a real printer's buffer.
            The control socket takes one command per line: paper-out, paper-near-end, paper-ok,
            cover-open, cover-close, offline, online, slow, fast, status (zizhuctl printer ... sends them).
            """)

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "TCP port to listen on.")
    var port: UInt16 = 9100

    @Option(help: "Folder for printed jobs.")
    var output: String

    @Option(help: "Control socket (a Unix socket path); none if omitted.")
    var control: String?

    @Option(help: "Bytes printed per second in slow mode.")
    var slowRate = 1500

    func run() throws {
        LoggingBootstrap.bootstrap(format: .logfmt, level: .info)
        let logger = Logger(label: "zizhu.printersim")
        let printer = EmulatedPrinter(output: output, slowRate: slowRate, logger: logger)
        let listener = try TCPListener(host: host, port: port)
        if let control {
            let controlListener = try UnixListener(path: control)
            Thread.detachNewThread { printer.serveControl(controlListener) }
        }
        logger.info("printer listening", metadata: ["tcp.port": .stringConvertible(port), "output": .string(output)])
        while true {
            let connection = try listener.accept()
            Thread.detachNewThread { printer.serve(connection) }
        }
    }
}

/// The printer's mechanism and sensors, shared by the connections and the control socket.
final class EmulatedPrinter: Sendable {
    struct Settings {
        var condition = PrinterCondition()
        var slow = false
        var jobCount = 0
    }

    let output: String
    let slowRate: Int
    let logger: Logger
    private let settings = Mutex(Settings())

    init(output: String, slowRate: Int, logger: Logger) {
        self.output = output
        self.slowRate = slowRate
        self.logger = logger
    }

    var condition: PrinterCondition { settings.withLock { $0.condition } }

    /// One connection: answer real-time requests as they arrive, print the rest as the
    /// condition and speed allow, save what was printed when the sender is done.
    func serve(_ connection: Int32) {
        defer { close(connection) }
        // Status replies are single bytes: without TCP_NODELAY, Nagle holds the second reply until
        // the sender's delayed ACK of the first (~40 ms), as with vpcd (devices.md §1.3).
        var one: Int32 = 1
        setsockopt(connection, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var received: [UInt8] = []
        var parsed = 0
        var queue: [(element: ESCPOSElement, bytes: ArraySlice<UInt8>)] = []
        var printed: [UInt8] = []
        var cancelled = false
        var peerClosed = false
        var buffer = [UInt8](repeating: 0, count: 65536)
        let tick: Int32 = 20
        // Slow mode prints `slowRate` bytes a second, measured on the clock: an element larger than
        // one tick's share (a QR code, a long line) waits until enough time has been earned.
        let clock = ContinuousClock()
        var credit = 0.0
        var lastTick = clock.now
        while true {
            if !peerClosed {
                var poller = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
                if poll(&poller, 1, tick) == 1 {
                    let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress!, $0.count, 0) }
                    if count > 0 {
                        received += buffer.prefix(count)
                    } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                        peerClosed = true
                    }
                }
            } else {
                usleep(UInt32(tick) * 1000)
            }
            // Parse what is complete; real-time commands act on arrival (replies go out together).
            var replies: [UInt8] = []
            parsing: while parsed < received.count {
                switch ESCPOSParser.step(received, at: parsed) {
                case .incomplete:
                    if peerClosed {
                        queue.append((.unknown(Array(received[parsed...])), received[parsed...]))
                        parsed = received.count
                    }
                    break parsing
                case .element(let element, let length):
                    let bytes = received[parsed..<(parsed + length)]
                    parsed += length
                    switch element {
                    case .realTimeStatus(let n):
                        if let reply = condition.reply(to: n) { replies.append(reply) }
                    case .clearBuffers:
                        if !queue.isEmpty { cancelled = true }
                        queue.removeAll()
                    default:
                        queue.append((element, bytes))
                    }
                }
            }
            if !replies.isEmpty { _ = send(connection, &replies, replies.count, Int32(MSG_NOSIGNAL)) }
            // Print: nothing while the printer cannot; a budget per tick when slow.
            let (canPrint, slow) = settings.withLock { ($0.condition.canPrint, $0.slow) }
            let now = clock.now
            let elapsed = Double((now - lastTick).components.attoseconds) / 1e18 + Double((now - lastTick).components.seconds)
            lastTick = now
            credit = slow ? min(credit + elapsed * Double(slowRate), Double(slowRate)) : .infinity
            if canPrint {
                while !queue.isEmpty && credit > 0 {
                    let next = queue.removeFirst()
                    credit -= Double(next.bytes.count)
                    if case .processIDRequest(let id) = next.element {
                        var response: [UInt8] = [0x37, 0x22] + id + [0x00]
                        _ = send(connection, &response, response.count, Int32(MSG_NOSIGNAL))
                    } else {
                        printed += next.bytes
                    }
                }
            }
            if peerClosed && parsed == received.count && (queue.isEmpty || cancelled) { break }
            if peerClosed && !queue.isEmpty && !canPrint {
                // The sender left with the job in the printer's buffer: it prints when the paper comes.
                continue
            }
        }
        if cancelled {
            saveCancelled(printed)
        } else if !printed.isEmpty {
            save(printed)
        }
    }

    private func nextJobNumber() -> Int { settings.withLock { $0.jobCount += 1; return $0.jobCount } }

    private func save(_ bytes: [UInt8]) {
        let number = nextJobNumber()
        let transcript = ESCPOSTranscript(bytes)
        for (index, image) in transcript.rasterImages.enumerated() {
            _ = writeAtomically(Array(image.pbm.utf8), to: "\(output)/job-\(number)-image-\(index + 1).pbm")
        }
        // The transcript first, the bytes last: a reader that sees job-N.bin finds everything else.
        let saved = writeAtomically(Array(transcript.text.utf8), to: "\(output)/job-\(number).txt")
            && writeAtomically(bytes, to: "\(output)/job-\(number).bin")
        if saved {
            logger.info("job printed", metadata: ["job": .stringConvertible(number), "bytes": .stringConvertible(bytes.count),
                                                  "transcript": .string("\(output)/job-\(number).txt")])
        } else {
            logger.error("cannot save job", metadata: ["job": .stringConvertible(number), "errno": .stringConvertible(errno)])
        }
    }

    private func saveCancelled(_ printedBeforeCancel: [UInt8]) {
        let number = nextJobNumber()
        let text = "⟦cancelled: the sender cleared the buffer; only the lines below reached paper⟧\n"
            + ESCPOSTranscript(printedBeforeCancel).text
        _ = writeAtomically(Array(text.utf8), to: "\(output)/job-\(number).cancelled.txt")
        logger.info("job cancelled", metadata: ["job": .stringConvertible(number), "bytes.printed": .stringConvertible(printedBeforeCancel.count)])
    }

    /// Writes beside the final name, fsyncs and renames, so a reader never sees half a file.
    private func writeAtomically(_ bytes: [UInt8], to path: String) -> Bool {
        let partial = path + ".partial"
        let fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return false }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { close(fd); return false }
            offset += written
        }
        let synced = fsync(fd) == 0
        close(fd)
        return synced && rename(partial, path) == 0
    }

    // MARK: Control

    func serveControl(_ listener: UnixListener) {
        while true {
            guard let connection = try? listener.accept() else { continue }
            let request = readLine(connection)
            let reply = handle(request)
            var bytes = Array((reply + "\n").utf8)
            _ = send(connection, &bytes, bytes.count, Int32(MSG_NOSIGNAL))
            close(connection)
        }
    }

    func handle(_ command: String) -> String {
        let result: String? = settings.withLock { settings in
            switch command {
            case "paper-out": settings.condition.paperOut = true
            case "paper-near-end": settings.condition.paperOut = false; settings.condition.paperNearEnd = true
            case "paper-ok": settings.condition.paperOut = false; settings.condition.paperNearEnd = false
            case "cover-open": settings.condition.coverOpen = true
            case "cover-close": settings.condition.coverOpen = false
            case "offline": settings.condition.offline = true
            case "online": settings.condition.offline = false
            case "slow": settings.slow = true
            case "fast": settings.slow = false
            case "status": break
            default: return nil
            }
            return "ok \(settings.condition)\(settings.slow ? ", slow" : "")"
        }
        guard let result else {
            return "error unknown command (paper-out, paper-near-end, paper-ok, cover-open, cover-close, offline, online, slow, fast, status)"
        }
        if command != "status" { logger.info("printer condition changed", metadata: ["command": .string(command), "now": .string(result)]) }
        return result
    }

    private func readLine(_ connection: Int32) -> String {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        while line.count < 256, recv(connection, &byte, 1, 0) == 1, byte != 0x0A { line.append(byte) }
        return String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }
}

/// A listening TCP socket.
struct TCPListener {
    let descriptor: Int32

    struct SocketError: Error, CustomStringConvertible {
        let operation: String
        let code: Int32
        var description: String { "\(operation): \(String(cString: strerror(code)))" }
    }

    init(host: String, port: UInt16) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(operation: "socket", code: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw SocketError(operation: "address \(host)", code: EINVAL) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw SocketError(operation: "bind \(host):\(port)", code: errno) }
        guard listen(fd, 8) == 0 else { throw SocketError(operation: "listen", code: errno) }
        descriptor = fd
    }

    func accept() throws -> Int32 {
        while true {
            let connection = Glibc.accept(descriptor, nil, nil)
            if connection >= 0 { return connection }
            if errno != EINTR { throw SocketError(operation: "accept", code: errno) }
        }
    }
}

/// A listening Unix socket for the control commands.
struct UnixListener: Sendable {
    let descriptor: Int32

    init(path: String) throws {
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TCPListener.SocketError(operation: "socket", code: errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw TCPListener.SocketError(operation: "control path", code: ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw TCPListener.SocketError(operation: "bind \(path)", code: errno) }
        guard listen(fd, 8) == 0 else { throw TCPListener.SocketError(operation: "listen", code: errno) }
        descriptor = fd
    }

    func accept() throws -> Int32 {
        let connection = Glibc.accept(descriptor, nil, nil)
        guard connection >= 0 else { throw TCPListener.SocketError(operation: "accept", code: errno) }
        return connection
    }
}
