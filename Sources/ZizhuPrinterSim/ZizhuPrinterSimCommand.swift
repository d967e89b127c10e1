import ArgumentParser
import Glibc
import Logging
import ZizhuLogging

@main
struct ZizhuPrinterSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zizhu-printersim",
        abstract: "Plays a network receipt printer (port-9100 style) for the demo and tests.",
        discussion: """
            Every connection is one job; its bytes are saved as job-<n>.bin in the output folder.
            A DLE EOT n status query (10 04 n) is answered at once with "ready, paper present",
            as a real ESC/POS printer answers it.
            """)

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "TCP port to listen on.")
    var port: UInt16 = 9100

    @Option(help: "Folder for captured jobs.")
    var output: String

    func run() throws {
        LoggingBootstrap.bootstrap(format: .logfmt, level: .info)
        let logger = Logger(label: "zizhu.printersim")
        let listener = try TCPListener(host: host, port: port)
        logger.info("printer listening", metadata: ["tcp.port": .stringConvertible(port), "output": .string(output)])
        var jobNumber = 0
        while true {
            let connection = try listener.accept()
            let bytes = serve(connection)
            close(connection)
            // CUPS's socket backend may connect once to probe the printer before sending; a
            // connection that carries nothing is not a job.
            guard !bytes.isEmpty else { continue }
            jobNumber += 1
            let path = "\(output)/job-\(jobNumber).bin"
            if save(bytes, to: path) {
                logger.info("job received", metadata: ["job": .stringConvertible(jobNumber), "bytes": .stringConvertible(bytes.count)])
            } else {
                logger.error("cannot save job", metadata: ["path": .string(path), "errno": .stringConvertible(errno)])
            }
        }
    }

    /// Reads one job until the sender half-closes, answering status queries on the way.
    private func serve(_ connection: Int32) -> [UInt8] {
        var job: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress!, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return job }
            let chunk = buffer[0..<count]
            job.append(contentsOf: chunk)
            for reply in StatusQueries.replies(in: Array(chunk)) {
                var byte = reply
                _ = send(connection, &byte, 1, Int32(MSG_NOSIGNAL))
            }
        }
    }

    /// Writes the job beside its final name and renames it, so a reader never sees half a job.
    private func save(_ bytes: [UInt8], to path: String) -> Bool {
        let partial = path + ".partial"
        guard writeFile(bytes, to: partial) else { return false }
        return rename(partial, path) == 0
    }

    private func writeFile(_ bytes: [UInt8], to path: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return fsync(fd) == 0
    }
}

/// ESC/POS real-time status (`DLE EOT n`, n = 1…4). Each answer is one byte with bits 1 and 4
/// always set (0x12); clear other bits mean "no fault".
enum StatusQueries {
    static func replies(in bytes: [UInt8]) -> [UInt8] {
        var replies: [UInt8] = []
        var index = 0
        while index + 2 < bytes.count {
            if bytes[index] == 0x10, bytes[index + 1] == 0x04, (1...4).contains(bytes[index + 2]) {
                replies.append(0x12)
                index += 3
            } else {
                index += 1
            }
        }
        return replies
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
