import ArgumentParser
import Foundation
import Glibc

/// `zizhuctl card insert|remove|sim-status`: one request line to zizhu-cardsim's control socket,
/// one reply line back (`ok …` or `error …`; the protocol is in Sources/ZizhuCardSim/ControlSocket.swift).
struct CardSimulatorControlOption: ParsableArguments {
    /// zizhu-cardsim's default, repeated here because zizhuctl does not link the emulator.
    static let defaultPath = "/run/zizhu-cardsim.sock"

    @Option(help: "zizhu-cardsim's control socket. Default: $ZIZHU_CARDSIM_CONTROL, else \(defaultPath).")
    var control: String?

    var path: String {
        control ?? ProcessInfo.processInfo.environment["ZIZHU_CARDSIM_CONTROL"] ?? Self.defaultPath
    }

    /// Sends `request`, prints the reply, and exits 1 unless it starts with `ok`.
    func send(_ request: String) throws {
        let reply: String
        do {
            reply = try CardSimulatorControl.exchange(request, socketPath: path)
        } catch {
            print("zizhu-cardsim at \(path): \(error)")
            throw ExitCode(1)
        }
        print(reply)
        guard reply.hasPrefix("ok") else { throw ExitCode(1) }
    }
}

struct InsertCard: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "insert", abstract: "Insert an emulated card (a profile from assets/cards) into zizhu-cardsim's reader.")
    @OptionGroup var simulator: CardSimulatorControlOption
    @Argument(help: "The card profile (JSON). Its PIN state is written back to it.") var profile: String

    func run() throws {
        // The emulator runs elsewhere: a path relative to our directory means nothing to it.
        try simulator.send("insert \(URL(fileURLWithPath: profile).standardizedFileURL.path)")
    }
}

struct RemoveCard: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Pull the emulated card out of zizhu-cardsim's reader.")
    @OptionGroup var simulator: CardSimulatorControlOption

    func run() throws {
        try simulator.send("remove")
    }
}

struct CardSimulatorStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim-status", abstract: "Show whether zizhu-cardsim holds a card and is connected to pcscd.")
    @OptionGroup var simulator: CardSimulatorControlOption

    func run() throws {
        try simulator.send("status")
    }
}

/// Why the control socket could not be reached.
enum CardSimulatorControlError: Error, CustomStringConvertible {
    case pathTooLong
    case system(call: String, errno: Int32)
    case noReply

    var description: String {
        switch self {
        case .pathTooLong: return "the socket path is longer than 107 bytes"
        case .system(let call, let code) where code == ENOENT || code == ECONNREFUSED:
            return "\(call) failed: \(String(cString: strerror(code))) (is zizhu-cardsim running?)"
        case .system(let call, let code): return "\(call) failed: \(String(cString: strerror(code)))"
        case .noReply: return "closed the connection without a reply"
        }
    }
}

enum CardSimulatorControl {
    /// One request, one reply line (without its newline).
    static func exchange(_ request: String, socketPath: String) throws(CardSimulatorControlError) -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .system(call: "socket", errno: errno) }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw .pathTooLong }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw .system(call: "connect", errno: errno) }
        // Removing a card waits for the emulator's connection to close; allow for that.
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let line = Array((request + "\n").utf8)
        var offset = 0
        while offset < line.count {
            let written = line.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                throw .system(call: "send", errno: errno)
            }
            offset += written
        }
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 512)
        while !reply.contains(0x0A) {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .system(call: "recv", errno: errno)
            }
            if count == 0 { break }
            reply += chunk.prefix(count)
        }
        guard !reply.isEmpty else { throw .noReply }
        return String(decoding: reply.prefix { $0 != 0x0A }, as: UTF8.self)
    }
}
