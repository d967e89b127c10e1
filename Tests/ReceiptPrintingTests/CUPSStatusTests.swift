import Foundation
import ReceiptPrinting
import TestSupport
import Testing

/// Queue state read through libcups from a real, private cupsd.
@Suite(.timeLimit(.minutes(2)))
struct CUPSStatusTests {
    @Test func anIdleQueueCanPrint() async throws {
        let printer = try await PrinterSimulator.start()
        let cups = try await PrivateCUPSD.start(receiptPrinterPort: printer.port)
        let status = try CUPSConnection(server: cups.server).printerStatus(queue: cups.receiptQueue).get()
        #expect(status.state == .idle)
        #expect(status.isAcceptingJobs)
        #expect(status.availability == .canPrint)
        await cups.stop()
        await printer.stop()
    }

    @Test func aRawJobReachesTheEmulatedPrinter() async throws {
        let printer = try await PrinterSimulator.start()
        let cups = try await PrivateCUPSD.start(receiptPrinterPort: printer.port)
        let bytes: [UInt8] = [0x1B, 0x40] + Array("zizhu test\n".utf8) + [0x1D, 0x56, 0x42, 0x00]
        let file = "\(cups.directory)/job.bin"
        #expect(FileManagerShim.write(bytes, to: file))
        try await cups.tool("lp", ["-d", cups.receiptQueue, "-o", "raw", file])
        try await TestEnvironment.waitUntil("the job to arrive", timeout: .seconds(20)) { !printer.jobs().isEmpty }
        #expect(printer.jobs().first == bytes)
        await cups.stop()
        await printer.stop()
    }

    @Test func aDisabledQueueCannotPrint() async throws {
        let printer = try await PrinterSimulator.start()
        let cups = try await PrivateCUPSD.start(receiptPrinterPort: printer.port)
        try await cups.adminTool("cupsdisable", ["-r", "paper jam (test)", cups.receiptQueue])
        let status = try CUPSConnection(server: cups.server).printerStatus(queue: cups.receiptQueue).get()
        #expect(status.state == .stopped)
        #expect(status.message == "paper jam (test)")
        #expect(status.availability == .cannotPrint(.stopped))
        try await cups.adminTool("cupsenable", [cups.receiptQueue])
        #expect(CUPSConnection(server: cups.server).printerStatus(queue: cups.receiptQueue).map(\.availability) == .success(.canPrint))
        await cups.stop()
        await printer.stop()
    }

    @Test func aRejectingQueueCannotPrint() async throws {
        let printer = try await PrinterSimulator.start()
        let cups = try await PrivateCUPSD.start(receiptPrinterPort: printer.port)
        try await cups.adminTool("cupsreject", ["-r", "maintenance", cups.receiptQueue])
        #expect(CUPSConnection(server: cups.server).printerStatus(queue: cups.receiptQueue).map(\.availability)
                == .success(.cannotPrint(.notAcceptingJobs)))
        await cups.stop()
        await printer.stop()
    }

    @Test func anUnknownQueueAndAStoppedCupsdAreTechnicianFaults() async throws {
        let cups = try await PrivateCUPSD.start(receiptPrinterPort: try FreePort.next())
        let connection = CUPSConnection(server: cups.server)
        #expect(connection.printerStatus(queue: "no-such-queue") == .failure(.noSuchQueue))
        await cups.stop()
        #expect(connection.printerStatus(queue: cups.receiptQueue) == .failure(.cupsUnavailable))
    }
}

enum FileManagerShim {
    static func write(_ bytes: [UInt8], to path: String) -> Bool {
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }
}
