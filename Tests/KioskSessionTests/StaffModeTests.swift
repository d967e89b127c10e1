import KioskCore
import KioskSession
import StaffAccess
import Testing
import TextConsole

/// Staff mode, driven without devices: the operator code pad, the menu, the status, the actions,
/// out of service, and the ways staff mode ends.
@Suite struct StaffModeTests {
    static let code = [2, 0, 2, 6, 1, 2, 0, 7]

    /// From the attract screen to the staff menu with a code the effects accept.
    func signIn(_ driver: SessionDriver) async throws {
        try driver.tap(.staffLogin)
        #expect(driver.page == .staffCode(problem: nil))
        #expect(driver.screenText.contains("请输入8位操作码"))
        for digit in Self.code { try driver.tap(.pinKey(.digit(digit))) }
        // Like a PIN, the code shows as dots only.
        #expect(!driver.screenText.contains("20261207"))
        try driver.tap(.confirm)
        #expect(driver.page == .staffChecking)
        try await driver.next()
        #expect(driver.page == .staffMenu)
        #expect(driver.effects.calls.contains(.operatorCode(Self.code)))
    }

    @Test func theCodeOpensTheStaffMenuAndTheStatusIsInPlainWords() async throws {
        let driver = try await SessionDriver()
        #expect(driver.screenText.contains("工作人员专用"))
        try await signIn(driver)
        for label in ["设备状态", "测试打印", "已换纸", "暂停服务", "退出"] { #expect(driver.screenText.contains(label), "\(label)") }
        try driver.tap(.staffStatus)
        #expect(driver.page == .staffBusy)
        try await driver.next()
        guard case .staffStatus = driver.page else { Issue.record("not the status page: \(driver.page)"); return }
        #expect(driver.spoken.last?.joined().contains("打印机：缺纸") == true)
        // The facts, a page at a time.
        var seen = driver.screenText
        while (try? driver.tap(.nextPage)) != nil { seen += driver.screenText }
        for line in ["读卡器：正常", "打印机：缺纸", "社保中心：未连接", "待发送：3条，最早的已等42分钟", "被中心退回：1条",
                     "rating.given: invalid-level", "1.0.0-test", "09:15 printer.paper_out"] {
            #expect(seen.contains(line), "\(line)\n\(seen)")
        }
        try driver.tap(.confirm)
        #expect(driver.page == .staffMenu)
        try driver.tap(.staffAction(.signOut))
        #expect(driver.page == .attract(notice: nil))
        #expect(driver.model.staffAccount == nil)
        try await Task.sleep(for: .milliseconds(50))
        #expect(driver.effects.calls.contains(.staffAction(.signOut, account: "operator")))
    }

    @Test func wrongAndUsedCodesAreSaidInTheTitleAndTheMenuStaysShut() async throws {
        let driver = try await SessionDriver()
        driver.effects.script { $0.operatorCode = .wrong(triesLeft: 4) }
        try driver.tap(.staffLogin)
        for digit in Self.code { try driver.tap(.pinKey(.digit(digit))) }
        try driver.tap(.confirm)
        try await driver.next()
        #expect(driver.page == .staffCode(problem: .wrong(triesLeft: 4)))
        #expect(driver.screenText.contains("操作码不对，还可以试4次。"))
        #expect(driver.model.staffAccount == nil)
        // A short code cannot be sent.
        try driver.tap(.pinKey(.digit(1)))
        #expect(throws: SessionDriver.DriverError.self) { try driver.tap(.confirm) }
        try driver.tap(.pinKey(.clear))
        driver.effects.script { $0.operatorCode = .locked(minutesLeft: 15) }
        for digit in Self.code { try driver.tap(.pinKey(.digit(digit))) }
        try driver.tap(.confirm)
        try await driver.next()
        #expect(driver.screenText.contains("输错次数太多，请15分钟后再试。"))
        try driver.tap(.back)
        #expect(driver.page == .attract(notice: nil))
        #expect(!driver.effects.calls.contains { if case .staffAction = $0 { return true } else { return false } })
    }

    @Test func outOfServiceStopsCardReadingUntilStaffPutItBack() async throws {
        let driver = try await SessionDriver()
        try await signIn(driver)
        driver.effects.script { $0.staffActions = [.serviceState(outOfService: true), .serviceState(outOfService: false)] }
        try driver.tap(.staffAction(.outOfService))
        try await driver.next()
        #expect(driver.page == .staffResult(.serviceState(outOfService: true)))
        #expect(driver.model.outOfService)
        try driver.tap(.confirm)
        #expect(driver.screenText.contains("恢复服务"))
        try driver.tap(.staffAction(.signOut))
        #expect(driver.screenText.contains("本机暂停服务，请到人工窗口办理。"))
        #expect(!driver.screenText.contains("请插入社保卡"))
        // A card now is not read; the notice is said again.
        let spokenBefore = driver.spoken.count
        try await driver.device(.cardInserted)
        #expect(driver.page == .attract(notice: nil))
        #expect(driver.spoken.count == spokenBefore + 1)
        #expect(!driver.effects.calls.contains(.readCard))
        try await driver.device(.cardRemoved)
        // Staff put it back.
        try await signIn(driver)
        try driver.tap(.staffAction(.backInService))
        try await driver.next()
        #expect(!driver.model.outOfService)
        try driver.tap(.confirm)
        try driver.tap(.staffAction(.signOut))
        #expect(driver.screenText.contains("请插入社保卡"))
    }

    @Test func aKioskLeftOutOfServiceStartsThatWay() async throws {
        let driver = try await SessionDriver(outOfService: true)
        #expect(driver.model.outOfService)
        #expect(driver.screenText.contains("本机暂停服务"))
    }

    @Test func staffModeTimesOutLikeASessionAndTheSignOutIsAudited() async throws {
        let driver = try await SessionDriver(timing: SessionTiming(idleAfter: .seconds(60), warningSeconds: 2))
        try await signIn(driver)
        // A card pulled or pushed has nothing to do with staff mode.
        try await driver.device(.cardInserted)
        try await driver.device(.cardRemoved)
        #expect(driver.page == .staffMenu)
        try driver.fire("idle")
        #expect(driver.model.idleSecondsLeft == 2)
        try driver.fire("countdown")
        try driver.fire("countdown")
        #expect(driver.page == .attract(notice: nil))
        #expect(driver.model.staffAccount == nil)
        try await Task.sleep(for: .milliseconds(50))
        #expect(driver.effects.calls.contains(.staffAction(.signOut, account: "operator")))
    }

    @Test func testPrintAndPaperReplacedSayWhatHappened() async throws {
        let driver = try await SessionDriver()
        try await signIn(driver)
        driver.effects.script {
            $0.staffActions = [.testPageNotPrinted("缺纸"), .printerStillCannotPrint("缺纸"), .printerReady, .testPagePrinted]
        }
        try driver.tap(.staffAction(.testPrint))
        try await driver.next()
        #expect(driver.screenText.contains("测试页没有打印：缺纸"))
        try driver.tap(.confirm)
        try driver.tap(.staffAction(.paperReplaced))
        try await driver.next()
        #expect(driver.screenText.contains("打印机还不能打印：缺纸"))
        try driver.tap(.confirm)
        try driver.tap(.staffAction(.paperReplaced))
        try await driver.next()
        #expect(driver.screenText.contains("打印机正常，可以打印了。"))
        try driver.tap(.confirm)
        try driver.tap(.staffAction(.testPrint))
        try await driver.next()
        #expect(driver.screenText.contains("测试页已打印"))
        #expect(driver.effects.calls.filter { $0 == .staffAction(.testPrint, account: "operator") }.count == 2)
    }
}

/// Operator codes: RFC 6238's SHA-256 test vectors, and the kiosk's gate.
@Suite struct OperatorCodeTests {
    /// RFC 6238 appendix B: the ASCII key "12345678901234567890123456789012", 30-second steps.
    static let rfcKey = OperatorKey(hex: Array("12345678901234567890123456789012".utf8).map { String($0, radix: 16) }.joined())!

    @Test(arguments: [(Int64(59), "46119246"), (1_111_111_109, "68084774"), (1_111_111_111, "67062674"),
                      (1_234_567_890, "91819424"), (2_000_000_000, "90698825"), (20_000_000_000, "77737706")])
    func matchesRFC6238(time: Int64, expected: String) {
        #expect(OperatorCode.code(key: Self.rfcKey, counter: time / 30).map(String.init).joined() == expected)
    }

    @Test func keysRoundTripAndBadFilesAreRefused() {
        let key = OperatorKey.generate()
        #expect(OperatorKey(hex: key.hex + "\n") == key)
        #expect(OperatorKey(hex: "") == nil)
        #expect(OperatorKey(hex: String(repeating: "g", count: 64)) == nil)
        #expect(OperatorKey(hex: String(repeating: "a", count: 62)) == nil)
        #expect(OperatorKey.generate() != key)
    }

    @Test func theGateTakesEachCodeOnceAndTheOneBefore() {
        let key = OperatorKey.generate()
        var gate = OperatorCodeGate()
        let now: Int64 = 1_796_600_000
        // Read just before the step changed, typed just after: still good.
        let previous = OperatorCode.code(key: key, at: now - OperatorCode.step)
        #expect(gate.check(previous, key: key, now: now) == .accepted)
        #expect(gate.check(previous, key: key, now: now) == .alreadyUsed)
        let current = OperatorCode.code(key: key, at: now)
        #expect(gate.check(current, key: key, now: now) == .accepted)
        #expect(gate.check(current, key: key, now: now + 10) == .alreadyUsed)
        // A new key's codes are new codes, even in the same step; a remembered step counts.
        let rotated = OperatorKey.generate()
        #expect(gate.check(OperatorCode.code(key: rotated, at: now), key: rotated, now: now) == .accepted)
        var restarted = OperatorCodeGate()
        restarted.remember(used: OperatorCode.counter(at: now), keyFingerprint: rotated.fingerprint)
        #expect(restarted.check(OperatorCode.code(key: rotated, at: now), key: rotated, now: now) == .alreadyUsed)
        #expect(restarted.check(OperatorCode.code(key: key, at: now), key: key, now: now) == .accepted)
        // Two steps old is too old.
        var fresh = OperatorCodeGate()
        #expect(fresh.check(OperatorCode.code(key: key, at: now - 2 * OperatorCode.step), key: key, now: now) == .wrong(triesLeft: 4))
    }

    @Test func fiveWrongCodesLockThePadEvenForTheRightOne() {
        let key = OperatorKey.generate()
        var gate = OperatorCodeGate()
        let now: Int64 = 1_796_600_000
        var wrong = OperatorCode.code(key: key, at: now)
        wrong[0] = (wrong[0] + 1) % 10
        for tries in (1...4).reversed() { #expect(gate.check(wrong, key: key, now: now) == .wrong(triesLeft: tries)) }
        #expect(gate.check(wrong, key: key, now: now) == .locked(secondsLeft: OperatorCodeGate.lockoutSeconds))
        #expect(gate.check(OperatorCode.code(key: key, at: now + 60), key: key, now: now + 60) == .locked(secondsLeft: OperatorCodeGate.lockoutSeconds - 60))
        let later = now + OperatorCodeGate.lockoutSeconds
        #expect(gate.check(OperatorCode.code(key: key, at: later), key: key, now: later) == .accepted)
    }
}
