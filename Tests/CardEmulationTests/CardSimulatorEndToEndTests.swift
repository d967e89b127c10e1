import CardEmulation
import Foundation
import TestSupport
import Testing

/// zizhu-cardsim behind a real private pcscd, driven through its control socket by zizhuctl and
/// read through PC/SC by pyscard: an independent reader, so these tests check the emulator
/// against what any PC/SC application sees, not against the kiosk's own reader code.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct CardSimulatorEndToEndTests {
    static let selectSSSE = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF00"

    /// pyscard (Debian's python3-pyscard, only in /usr/bin/python3). `present READER APDU...`
    /// waits for a card, prints its ATR and one `APDU RESPONSE` line per command;
    /// `absent READER` waits until the reader is empty.
    static let pyscardClient = #"""
        import sys, time
        from smartcard.scard import *
        mode, reader, apdus = sys.argv[1], sys.argv[2], sys.argv[3:]
        hr, ctx = SCardEstablishContext(SCARD_SCOPE_USER)
        if hr != SCARD_S_SUCCESS: sys.exit("SCardEstablishContext: " + SCardGetErrorMessage(hr))
        deadline = time.monotonic() + 10
        def status():
            hr, states = SCardGetStatusChange(ctx, 0, [(reader, SCARD_STATE_UNAWARE)])
            if hr != SCARD_S_SUCCESS: sys.exit("SCardGetStatusChange: " + SCardGetErrorMessage(hr))
            return states[0]
        while bool(status()[1] & SCARD_STATE_PRESENT) != (mode == "present"):
            if time.monotonic() > deadline: sys.exit("timed out waiting for the card to be " + mode)
            time.sleep(0.05)
        if mode == "absent":
            print("absent"); sys.exit(0)
        print("ATR", bytes(status()[2]).hex().upper())
        hr, card, proto = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1)
        if hr != SCARD_S_SUCCESS: sys.exit("SCardConnect: " + SCardGetErrorMessage(hr))
        for apdu in apdus:
            hr, response = SCardTransmit(card, proto, list(bytes.fromhex(apdu)))
            if hr != SCARD_S_SUCCESS: sys.exit("SCardTransmit: " + SCardGetErrorMessage(hr))
            print(apdu, bytes(response).hex().upper())
        SCardDisconnect(card, SCARD_LEAVE_CARD)
        """#

    /// Runs the pyscard client against `pcscd`; returns its lines.
    private func pyscard(_ pcscd: PrivatePCSCD, _ mode: String, _ apdus: [String] = []) async throws -> [String] {
        let python = try TestEnvironment.requireProgram("/usr/bin/python3", package: "python3-pyscard")
        let output = try await TestEnvironment.run(
            python, ["-c", Self.pyscardClient, mode, pcscd.readerName] + apdus,
            environment: ["PCSCLITE_CSOCK_NAME": "\(pcscd.directory)/run/pcscd.comm"])
        return output.split(separator: "\n").map(String.init)
    }

    /// Runs `zizhuctl card ARGUMENTS --control PATH` and returns its reply line.
    private func zizhuctl(_ arguments: [String], control: String) async throws -> String {
        let output = try await TestEnvironment.run(try TestEnvironment.executable("zizhuctl"), ["card"] + arguments + ["--control", control])
        return output.trimmingCharacters(in: .newlines)
    }

    /// Starts zizhu-cardsim with an empty reader and a private control socket; runs `body`; stops it.
    private func withSimulator(_ pcscd: PrivatePCSCD, _ body: (ManagedProcess, String) async throws -> Void) async throws {
        let control = try TestEnvironment.temporaryDirectory("cardsim") + "/control.sock"
        let simulator = try pcscd.startCardSimulator(arguments: ["--control", control])
        do {
            try await TestEnvironment.waitUntil("the control socket") { FileManager.default.fileExists(atPath: control) }
            try await body(simulator, control)
            await simulator.stop()
        } catch {
            await simulator.stop()
            print("zizhu-cardsim's log:\n\(simulator.log())")
            throw error
        }
    }

    @Test func insertReadAndRemoveThroughPCSC() async throws {
        let profile = try CardFixtures.copy("ouyang-rare-3.0")
        try await PrivatePCSCD.with { pcscd in
            try await withSimulator(pcscd) { simulator, control in
                #expect(try await zizhuctl(["sim-status"], control: control) == "ok card=none")
                #expect(try await zizhuctl(["insert", profile], control: control) == "ok inserted profile=\(profile)")

                let lines = try await pyscard(pcscd, "present", [
                    Self.selectSSSE,
                    "00A4020C02EF05", "00B2030006",     // EF05 by tag: spec version
                    "00B2093420",                       // EF06 (SFI 6) record 9: absent
                    "00B2093020",                       // EF06 (SFI 6) by tag: name
                    "0020000003999999",                 // wrong PIN
                ])
                let zeros = String(repeating: "00", count: 20)
                #expect(lines == [
                    "ATR 3B8A01" + "5A495A48552D53534345" + "F4",
                    Self.selectSSSE + " 6F11840F7378312E73682EC9E7BBE1B1A3D5CF9000",
                    "00A4020C02EF05 9000",
                    "00B2030006 0304332E30309000",
                    "00B2093420 6A83",
                    "00B2093020 091EC5B7D1F4FE9F9931D239" + zeros + "9000",
                    "0020000003999999 63C2",
                ])
                // The wrong PIN cost a try, and the card's memory is the file.
                #expect(try CardProfile.load(path: profile).pinTriesLeft == 2)

                let status = try await zizhuctl(["sim-status"], control: control)
                #expect(status == "ok card=inserted vpcd=connected profile=\(profile)")
                #expect(try await zizhuctl(["remove"], control: control) == "ok removed")
                #expect(try await pyscard(pcscd, "absent") == ["absent"])
                #expect(try await zizhuctl(["remove"], control: control) == "ok no card was inserted")

                await simulator.stop()
                #expect(!FileManager.default.fileExists(atPath: control), "SIGTERM must remove the control socket")
            }
        }
    }

    @Test func insertingAnotherCardReplacesTheFirst() async throws {
        let first = try CardFixtures.copy("zhang-san-3.0")
        let second = try CardFixtures.copy("li-si-2.0")
        try await PrivatePCSCD.with { pcscd in
            try await withSimulator(pcscd) { _, control in
                _ = try await zizhuctl(["insert", first], control: control)
                let before = try await pyscard(pcscd, "present", [Self.selectSSSE, "00B2083014"])
                #expect(before.last == "00B2083014 0812" + hex("330102198001011213") + "9000")
                _ = try await zizhuctl(["insert", second], control: control)
                // The old card goes away before the new one arrives; wait for the new card's data.
                try await TestEnvironment.waitUntil("the second card", timeout: .seconds(10)) {
                    let lines = try? await pyscard(pcscd, "present", [Self.selectSSSE, "00B2083014"])
                    return lines?.last == "00B2083014 0812" + hex("110105197008150033") + "9000"
                }
            }
        }
    }

    @Test func theCardComesBackWhenPcscdRestarts() async throws {
        let profile = try CardFixtures.copy("zhang-san-3.0")
        try await PrivatePCSCD.with { pcscd in
            try await withSimulator(pcscd) { _, control in
                _ = try await zizhuctl(["insert", profile], control: control)
                #expect(try await pyscard(pcscd, "present").first?.hasPrefix("ATR 3B") == true)
                let restarted = try await pcscd.crashAndRestart(after: .milliseconds(300))
                do {
                    #expect(try await pyscard(restarted, "present", ["00A4000C023F00"]).last == "00A4000C023F00 9000")
                    await restarted.process.stop()
                } catch {
                    await restarted.process.stop()
                    throw error
                }
            }
        }
    }

    @Test func rejectedRequestsExitNonZeroWithTheReason() async throws {
        let broken = try TestEnvironment.temporaryDirectory("card") + "/broken.json"
        try Data(#"{"spec_version": "3.00"}"#.utf8).write(to: URL(fileURLWithPath: broken))
        try await PrivatePCSCD.with { pcscd in
            try await withSimulator(pcscd) { _, control in
                do {
                    _ = try await zizhuctl(["insert", broken], control: control)
                    Issue.record("zizhuctl accepted a broken profile")
                } catch let failure as CommandFailure {
                    #expect(failure.status == 1)
                    #expect(failure.output.hasPrefix("error \(broken): card_identifier: required field is missing"))
                }
                #expect(try await zizhuctl(["sim-status"], control: control) == "ok card=none")
            }
        }
        do {
            _ = try await zizhuctl(["sim-status"], control: "/tmp/zizhu-test-no-such-socket")
            Issue.record("zizhuctl succeeded without an emulator")
        } catch let failure as CommandFailure {
            #expect(failure.status == 1)
            #expect(failure.output.contains("is zizhu-cardsim running?"))
        }
    }

    @Test func controlProtocolAnswersMalformedRequestsWithErrors() async throws {
        try await PrivatePCSCD.with { pcscd in
            try await withSimulator(pcscd) { _, control in
                // Raw lines, as zizhuctl would never send them (it makes paths absolute).
                let client = #"""
                    import socket, sys
                    for line in sys.argv[2:]:
                        s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
                        s.sendall((line + "\n").encode()); print(s.makefile().readline().rstrip("\n")); s.close()
                    """#
                let python = try TestEnvironment.requireProgram("/usr/bin/python3", package: "python3")
                let replies = try await TestEnvironment.run(python, ["-c", client, control, "insert cards/x.json", "eject", "status"])
                #expect(replies.split(separator: "\n") == [
                    "error the profile path must be absolute (the emulator's working directory is not yours): cards/x.json",
                    "error usage: insert <absolute profile path> | remove | status",
                    "ok card=none",
                ])
            }
        }
    }

    private func hex(_ text: String) -> String {
        text.utf8.map { String(format: "%02X", $0) }.joined()
    }
}
