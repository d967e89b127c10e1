import Foundation

/// A private cupsd with the kiosk's queues (`zizhu-receipt` to an emulated network receipt
/// printer, `zizhu-a4` to cups-pdf), in its own folder; several can run at once.
public struct PrivateCUPSD: Sendable {
    /// The socket to give libcups (`CUPS_SERVER`, or the kiosk's `printer.cups_server`).
    public let server: String
    public let directory: String
    /// Where cups-pdf writes the A4 queue's PDFs.
    public var pdfDirectory: String { "\(directory)/pdf" }
    public let receiptQueue = "zizhu-receipt"
    public let a4Queue = "zizhu-a4"
    /// The port the receipt queue sends to.
    public let receiptPrinterPort: UInt16
    public let process: ManagedProcess

    /// Starts cupsd; the receipt queue points at `receiptPrinterPort` (start a printer there with
    /// ``PrinterSimulator`` or leave it dark to test "printer offline").
    /// - Parameter escposBackend: whether the receipt queue goes through our `zizhu-escpos`
    ///   backend (the kiosk's setup) or CUPS's stock `socket` backend.
    public static func start(receiptPrinterPort: UInt16, escposBackend: Bool = true) async throws -> PrivateCUPSD {
        try await start(in: TestEnvironment.temporaryDirectory("cups"), receiptPrinterPort: receiptPrinterPort, escposBackend: escposBackend)
    }

    /// Starts cupsd again on the same folder after ``stop()``: the jobs in its spool come back,
    /// as after a reboot or a crashed cupsd.
    public func restarted() async throws -> PrivateCUPSD {
        try await Self.start(in: directory, receiptPrinterPort: receiptPrinterPort, escposBackend: true)
    }

    private static func start(in directory: String, receiptPrinterPort: UInt16, escposBackend: Bool) async throws -> PrivateCUPSD {
        let output: String
        var arguments = [directory, String(receiptPrinterPort)]
        if escposBackend { arguments.append(try TestEnvironment.executable("zizhu-escpos")) }
        do {
            output = try await TestEnvironment.run(TestEnvironment.script("lib/cups-env.sh"), arguments)
        } catch let failure as CommandFailure where failure.isMissingPackage {
            throw TestEnvironmentError.missing(what: "cupsd", remedy: failure.errors + " (kiosk/test.sh installs it)")
        } catch let failure as CommandFailure {
            throw TestEnvironmentError.didNotStart(service: "cupsd", log: failure.errors)
        }
        guard let pid = Int32(output.split(separator: "\n").last?.trimmingCharacters(in: .whitespaces) ?? "") else {
            throw TestEnvironmentError.didNotStart(service: "cupsd", log: output)
        }
        return PrivateCUPSD(server: "\(directory)/cups.sock", directory: directory, receiptPrinterPort: receiptPrinterPort,
                            process: ManagedProcess(adopting: pid, name: "cupsd", logPath: "\(directory)/log/error_log"))
    }

    /// Runs a CUPS command-line tool (`lpstat`, `cupsdisable`, `lp` …) against this cupsd.
    @discardableResult
    public func tool(_ name: String, _ arguments: [String]) async throws -> String {
        let path = try TestEnvironment.requireProgram("/usr/bin/\(name)", package: "cups-client")
        return try await TestEnvironment.run(path, arguments, environment: ["CUPS_SERVER": server])
    }

    /// Like ``tool(_:_:)`` for the admin tools in /usr/sbin (`cupsdisable`, `cupsenable`, `lpadmin`).
    @discardableResult
    public func adminTool(_ name: String, _ arguments: [String]) async throws -> String {
        let path = try TestEnvironment.requireProgram("/usr/sbin/\(name)", package: "cups-client")
        return try await TestEnvironment.run(path, arguments, environment: ["CUPS_SERVER": server])
    }

    public func stop() async {
        await process.stop()
    }
}

/// `zizhu-printersim`: a network ESC/POS receipt printer that saves each printed job (bytes and
/// transcript), with a control socket to run out of paper, open the cover, go off line or slow.
public struct PrinterSimulator: Sendable {
    public let port: UInt16
    public let outputDirectory: String
    public let controlSocket: String
    public let process: ManagedProcess

    public static func start(port: UInt16? = nil, slowRate: Int? = nil) async throws -> PrinterSimulator {
        let port = try port ?? FreePort.next()
        let directory = try TestEnvironment.temporaryDirectory("printer")
        let control = "\(directory)/control.sock"
        var arguments = ["--port", String(port), "--output", directory, "--control", control]
        if let slowRate { arguments += ["--slow-rate", String(slowRate)] }
        let process = try ManagedProcess(
            name: "zizhu-printersim", executable: TestEnvironment.executable("zizhu-printersim"),
            arguments: arguments, logPath: "\(directory)/printersim.log")
        try await TestEnvironment.waitUntil("zizhu-printersim on port \(port)", timeout: .seconds(10)) {
            guard process.isRunning else { throw TestEnvironmentError.didNotStart(service: "zizhu-printersim", log: process.log()) }
            return FreePort.isListening(port)
        }
        return PrinterSimulator(port: port, outputDirectory: directory, controlSocket: control, process: process)
    }

    /// Sends a control command through `zizhuctl printer <command>` (paper-out, paper-ok, …),
    /// the way staff and the demo do; returns its reply line.
    @discardableResult
    public func control(_ command: String) async throws -> String {
        try await TestEnvironment.run(TestEnvironment.executable("zizhuctl"), ["printer", command, "--control", controlSocket])
    }

    /// The transcripts of the jobs printed so far, in order.
    public func transcripts() -> [String] {
        jobNumbers(suffix: ".txt").compactMap { try? String(contentsOfFile: "\(outputDirectory)/job-\($0).txt", encoding: .utf8) }
    }

    /// Waits until `count` jobs are saved (the emulator saves a job once its sender has hung up,
    /// a moment after CUPS reports it completed) and returns their transcripts.
    public func waitForTranscripts(_ count: Int, timeout: Duration = .seconds(10)) async throws -> [String] {
        try await TestEnvironment.waitUntil("\(count) printed job(s) from zizhu-printersim", timeout: timeout) { transcripts().count >= count }
        return transcripts()
    }

    /// Transcripts of jobs the sender cancelled (cleared from the printer's buffer).
    public func cancelledJobs() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: outputDirectory)) ?? []).filter { $0.hasSuffix(".cancelled.txt") }
    }

    /// The raster images of job `number`, as PBM files.
    public func rasterImages(job number: Int) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: outputDirectory)) ?? [])
            .filter { $0.hasPrefix("job-\(number)-image-") && $0.hasSuffix(".pbm") }.sorted().map { "\(outputDirectory)/\($0)" }
    }

    private func jobNumbers(suffix: String) -> [Int] {
        ((try? FileManager.default.contentsOfDirectory(atPath: outputDirectory)) ?? [])
            .filter { $0.hasPrefix("job-") && $0.hasSuffix(suffix) && !$0.contains("cancelled") }
            .compactMap { Int($0.dropFirst(4).dropLast(suffix.count)) }.sorted()
    }

    /// The jobs received so far, in order.
    public func jobs() -> [[UInt8]] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: outputDirectory)) ?? []
        return names.filter { $0.hasPrefix("job-") && $0.hasSuffix(".bin") }
            .sorted { Int($0.dropFirst(4).dropLast(4)) ?? 0 < Int($1.dropFirst(4).dropLast(4)) ?? 0 }
            .compactMap { FileManager.default.contents(atPath: "\(outputDirectory)/\($0)").map(Array.init) }
    }

    public func stop() async {
        await process.stop()
    }
}
