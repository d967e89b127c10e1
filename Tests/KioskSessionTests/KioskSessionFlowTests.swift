import CertificateVerification
import KioskCore
import KioskSession
import Testing
import TextConsole

/// The synthetic holder of assets/cards/zhang-san-3.0.json.
func zhangSan() throws -> CardHolder {
    CardHolder(card: SocialSecurityCardInfo(identifier: "330100D156000005A1B2C3D4E5F60718", cardType: "1", specVersion: "3.00",
                                            initialisingOrganisation: "330100000000000000000001",
                                            issueDate: CalendarDate(year: 2021, month: 3, day: 15),
                                            expiryDate: CalendarDate(year: 2031, month: 3, day: 15), cardNumber: "A12345678"),
               citizenID: try CitizenID("330102198001011213"), name: "张三", sex: nil, ethnicity: "01", birthplace: "330102",
               birthDate: CalendarDate(year: 1980, month: 1, day: 1))
}

/// Two insurance types: pension paid since 2015 (with a gap), medical since 2020.
func sampleRecords() -> [InsuranceRecord] {
    [
        InsuranceRecord(type: .enterpriseEmployeePension, status: .contributing, firstInsured: CalendarDate(year: 2015, month: 7, day: 1),
                        currentInsuredSince: CalendarDate(year: 2019, month: 1, day: 1),
                        periods: [ContributionPeriod(from: YearMonth(year: 2015, month: 7), through: YearMonth(year: 2018, month: 6),
                                                     employer: "杭州示例科技有限公司"),
                                  ContributionPeriod(from: YearMonth(year: 2019, month: 1), through: YearMonth(year: 2026, month: 10),
                                                     employer: "杭州样本贸易有限公司")]),
        InsuranceRecord(type: .employeeMedical, status: .contributing, firstInsured: CalendarDate(year: 2020, month: 1, day: 1),
                        currentInsuredSince: CalendarDate(year: 2020, month: 1, day: 1),
                        periods: [ContributionPeriod(from: YearMonth(year: 2020, month: 1), through: YearMonth(year: 2026, month: 10),
                                                     employer: "杭州样本贸易有限公司")]),
    ]
}

@Suite struct KioskSessionFlowTests {
    /// Inserts the card and gets to the service menu.
    func signIn(_ driver: SessionDriver) async throws {
        driver.effects.script { $0.card = .holder(try! zhangSan()) }
        try await driver.device(.cardInserted)
        #expect(driver.page == .readingCard)
        try await driver.next()
        #expect(driver.page == .confirmHolder)
        // Masked on screen, and spoken as "hidden", never the digits.
        #expect(driver.screenText.contains("张*"))
        #expect(driver.screenText.contains("330102********1213"))
        #expect(!driver.screenText.contains("198001011213"))
        #expect(!driver.spoken.joined().joined().contains("1980"))
        try driver.tap(.confirm)
        #expect(driver.page == .menu(page: 0))
    }

    @Test func aCertificateIsPrintedForTheChosenTypeAndPeriodAndTheSessionEndsWithTheCard() async throws {
        let driver = try await SessionDriver()
        try await signIn(driver)
        driver.effects.script { $0.records = .records(sampleRecords(), asOf: YearMonth(year: 2026, month: 11)) }
        try driver.tap(.service("print-certificate"))
        #expect(driver.page == .loadingRecords(.certificate))
        #expect(!driver.hasTimer("idle"), "no idle timeout while the kiosk waits on the hub")
        try await driver.next()
        #expect(driver.page == .chooseType)
        try driver.tap(.insuranceType(.enterpriseEmployeePension))
        try driver.tap(.period(.last24Months))
        #expect(driver.page == .certificateConfirm)
        #expect(driver.screenText.contains("企业职工基本养老保险"))
        try driver.tap(.confirm)
        #expect(driver.page == .printing)
        try await driver.next()
        #expect(driver.page == .printed(code: "TEST-CODE"))

        guard case .print(let request) = driver.effects.calls.last else { Issue.record("no print"); return }
        #expect(request.attempt == 1)
        #expect(request.records.map(\.type) == [.enterpriseEmployeePension])
        // 24 months ending 2026-11: from 2024-12; the 2015–2018 period is outside it.
        #expect(request.records[0].periods == [ContributionPeriod(from: YearMonth(year: 2024, month: 12),
                                                                  through: YearMonth(year: 2026, month: 10), employer: "杭州样本贸易有限公司")])

        try driver.tap(.back)  // 结束办理
        #expect(driver.page == .takeCard(loud: false))
        #expect(driver.screenText.contains("社保卡和打印的材料"))
        #expect(driver.model.holder == nil, "the holder leaves memory when the session ends")
        try driver.fire("take-card")
        #expect(driver.hasTimer("take-card"), "the reminder repeats while the card stays in")
        try await driver.device(.cardRemoved)
        #expect(driver.page == .attract(notice: .goodbye))
        try driver.fire("notice")
        #expect(driver.page == .attract(notice: nil))
    }

    @Test func aFailedPrintCanBeRetriedAndPrintsTheSameCertificateAgain() async throws {
        let driver = try await SessionDriver()
        try await signIn(driver)
        driver.effects.script {
            $0.records = .records(sampleRecords(), asOf: YearMonth(year: 2026, month: 11))
            $0.printResults = [.notPrinted(citizenMessage: "打印机缺纸", tryAgain: true), .printed(code: "SECOND")]
        }
        try driver.tap(.service("print-certificate"))
        try await driver.next()
        try driver.tap(.insuranceType(nil))
        try driver.tap(.period(.all))
        try driver.tap(.confirm)
        try await driver.next()
        #expect(driver.page == .printFailed(citizenMessage: "打印机缺纸", tryAgain: true))
        #expect(driver.screenText.contains("打印机缺纸"))
        try driver.tap(.retry)
        try await driver.next()
        #expect(driver.page == .printed(code: "SECOND"))
        let prints = driver.effects.calls.compactMap { call -> CertificateRequest? in
            if case .print(let request) = call { return request } else { return nil }
        }
        #expect(prints.map(\.attempt) == [1, 2])
        #expect(prints[0].records == prints[1].records)
        #expect(prints[0].records.count == 2)
    }

    @Test func offlineTheCertificateSaysSoAndSuggestsATime() async throws {
        let driver = try await SessionDriver(health: KioskHealth(cardReader: true, printer: true, camera: false, hub: false))
        try await signIn(driver)
        #expect(driver.screenText.contains("打印参保证明"))
        try driver.tap(.service("print-certificate"))
        #expect(driver.page == .offline(serviceID: "print-certificate"))
        #expect(driver.screenText.contains("半小时后"))
        #expect(!driver.effects.calls.contains(.records), "nothing is asked of a hub that is not there")
        try driver.tap(.confirm)
        #expect(driver.page == .menu(page: 0))
    }

    @Test func recordsArePagedNewestFirst() async throws {
        let driver = try await SessionDriver()
        try await signIn(driver)
        driver.effects.script { $0.records = .records(sampleRecords(), asOf: YearMonth(year: 2026, month: 11)) }
        try driver.tap(.service("query-records"))
        try await driver.next()
        #expect(driver.page == .records(page: 0))
        #expect(driver.screenText.contains("2019.01至2026.10"))
        #expect(driver.frame.truncated.isEmpty)
    }

    @Test func pullingTheCardMidServiceEndsTheSessionAndForgetsIt() async throws {
        let driver = try await SessionDriver()
        try await signIn(driver)
        try driver.tap(.confirm)  // 更多业务: PIN change is on page two
        try driver.tap(.service("change-pin"))
        try driver.tap(.pinKey(.digit(1)))
        try driver.tap(.pinKey(.digit(2)))
        try await driver.device(.cardRemoved)
        #expect(driver.page == .attract(notice: .cardPulled))
        #expect(driver.model.holder == nil)
        #expect(driver.model.pinDigits.isEmpty)
        #expect(driver.screenText.contains("社保卡已拔出"))
    }

    /// A card pulled while it is being read: the notice shows, and clears like every other notice.
    @Test func aCardPulledWhileBeingReadSaysSoAndTheNoticeClears() async throws {
        let driver = try await SessionDriver()
        driver.effects.script { $0.card = .failed(.removed) }
        try await driver.device(.cardInserted)
        #expect(driver.page == .readingCard)
        try await driver.next()
        #expect(driver.page == .attract(notice: .cardPulled))
        #expect(driver.screenText.contains("社保卡已拔出"))
        try driver.fire("notice")
        #expect(driver.page == .attract(notice: nil))
        #expect(driver.screenText.contains("本大厅24小时开放"))
    }

    @Test func aPINChangeAsksTwiceForTheNewPINAndHoldsNoDigitsAfterwards() async throws {
        let driver = try await SessionDriver()
        try await signIn(driver)
        try driver.tap(.confirm)  // 更多业务: PIN change is on page two
        try driver.tap(.service("change-pin"))
        func enter(_ digits: [Int]) throws {
            for digit in digits { try driver.tap(.pinKey(.digit(digit))) }
            // The screen shows only how many digits were entered.
            for digit in Set(digits) { #expect(!driver.screenText.contains("\(digit)\(digit)")) }
            try driver.tap(.confirm)
        }
        try enter([1, 2, 3, 4, 5, 6])
        #expect(driver.page == .pinEntry(.new, mismatch: false))
        try enter([6, 5, 4, 3, 2, 1])
        try enter([6, 5, 4, 3, 2, 0])
        #expect(driver.page == .pinEntry(.new, mismatch: true))
        try enter([6, 5, 4, 3, 2, 1])
        try enter([6, 5, 4, 3, 2, 1])
        #expect(driver.page == .pinChanging)
        #expect(driver.model.pinDigits.isEmpty && driver.model.newPIN.isEmpty)
        try await driver.next()
        #expect(driver.page == .pinResult(.changed))
        #expect(driver.effects.calls.last == .changePIN(old: [1, 2, 3, 4, 5, 6], new: [6, 5, 4, 3, 2, 1]))
        #expect(!driver.spoken.joined().joined().contains("123456"))
    }

    @Test func aBlockedPINSendsTheCitizenToTheCounterAndTellsStaff() async throws {
        let driver = try await SessionDriver()
        try await signIn(driver)
        driver.effects.script { $0.pinChange = .blocked }
        try driver.tap(.confirm)  // 更多业务: PIN change is on page two
        try driver.tap(.service("change-pin"))
        for _ in 0..<3 {
            for digit in [1, 1, 1, 1, 1, 1] { try driver.tap(.pinKey(.digit(digit))) }
            try driver.tap(.confirm)
        }
        try await driver.next()
        #expect(driver.page == .pinResult(.blocked))
        #expect(driver.screenText.contains("人工窗口"))
        try await driver.next()
        #expect(driver.effects.calls.contains(.staff(.pinBlocked)))
    }

    @Test func aDissatisfiedRatingAsksWhyAndIsJournalledForTheServiceUsed() async throws {
        let driver = try await SessionDriver()
        try await signIn(driver)
        driver.effects.script { $0.records = .records(sampleRecords(), asOf: YearMonth(year: 2026, month: 11)) }
        try driver.tap(.service("query-records"))
        try await driver.next()
        try driver.tap(.back)
        try driver.tap(.confirm)  // 更多业务: page two holds the rating
        try driver.tap(.service("rate-service"))
        try driver.tap(.satisfied(false))
        try driver.tap(.level(.veryDissatisfied))
        #expect(driver.page == .ratingReason(.veryDissatisfied))
        try driver.tap(.reason("waiting"))
        try await driver.next()
        #expect(driver.page == .ratingThanks)
        #expect(driver.effects.calls.last == .rating(ServiceRating(serviceID: "query-records", level: .veryDissatisfied, reason: "waiting")))
    }

    @Test func theIdleWarningNeverRunsWhileTheKioskIsBusyAndATimeoutWithTheCardInCallsStaff() async throws {
        let driver = try await SessionDriver()
        try await signIn(driver)
        driver.effects.script { $0.records = .records(sampleRecords(), asOf: YearMonth(year: 2026, month: 11)) }
        try driver.tap(.service("print-certificate"))
        driver.send(.idleWarning)
        #expect(driver.model.idleSecondsLeft == nil, "busy: no warning")
        try await driver.next()
        try driver.fire("idle")
        #expect(driver.model.idleSecondsLeft == 40)
        #expect(driver.spoken.last?.contains { $0.contains("继续操作") } == true, "the warning is spoken")
        // 继续操作 keeps the session.
        try driver.tap(.stayInSession)
        #expect(driver.model.idleSecondsLeft == nil)
        #expect(driver.page == .chooseType)
        try driver.fire("idle")
        for _ in 0..<40 { try driver.fire("countdown") }
        #expect(driver.page == .takeCard(loud: true))
        #expect(driver.model.holder == nil && driver.model.records.isEmpty)
        try await driver.next()
        #expect(driver.effects.calls.last == .staff(.cardLeftInReader))
    }

    @Test func anExpiredCardGoesToTheCounter() async throws {
        let driver = try await SessionDriver()
        driver.effects.script { $0.card = .failed(.expired) }
        try await driver.device(.cardInserted)
        try await driver.next()
        #expect(driver.page == .cardProblem(.expired))
        #expect(driver.screenText.contains("有效期"))
        try driver.tap(.finish)
        #expect(driver.page == .takeCard(loud: false))
    }

    @Test func servicesThatNeedAMissingDeviceAreShownAsUnavailable() async throws {
        let driver = try await SessionDriver(health: KioskHealth(cardReader: true, printer: false, camera: false, hub: true))
        #expect(driver.screenText.contains("打印参保证明（暂不可用）"))
        try await signIn(driver)
        #expect(driver.screenText.contains("打印参保证明（不可用）"))
        #expect(throws: (any Error).self) { try driver.tap(.service("print-certificate")) }
    }
}

@Suite struct QualificationFlowTests {
    let flow = KioskSessionFlowTests()

    func enterPIN(_ driver: SessionDriver, _ digits: [Int]) throws {
        for digit in digits { try driver.tap(.pinKey(.digit(digit))) }
        try driver.tap(.confirm)
    }

    @Test func theFaceCheckIsSubmittedNeverPassedAtTheKiosk() async throws {
        let driver = try await SessionDriver(health: KioskHealth(cardReader: true, printer: true, camera: true, hub: true))
        try await flow.signIn(driver)
        let screen = LivenessScreen(title: "请眨眨眼", nonce: "4821", main: "请眨眨眼", detail: nil, progress: "第1步，共2步")
        driver.effects.script {
            $0.qualification = .status(QualificationStatus(state: .due, windowOpens: "2026-01-01", dueBy: "2026-12-31"))
            $0.liveness = [.screen(screen), .finished(.submitted(.saved(hubOnline: true)))]
        }
        try driver.tap(.service("pension-qualification"))
        #expect(driver.page == .qualificationLoading)
        try await driver.next()
        #expect(driver.screenText.contains("2026-12-31"))
        try driver.tap(.confirm)
        try enterPIN(driver, [1, 2, 3, 4, 5, 6])
        #expect(driver.page == .verifyingPIN)
        #expect(driver.model.pinDigits.isEmpty, "the digits leave the model as soon as they go to the card")
        try await driver.next()
        #expect(driver.page == .qualificationMethod)
        try driver.tap(.faceCheck)
        try await driver.next()
        #expect(driver.page == .livenessCheck(screen))
        #expect(driver.screenText.contains("4821"), "the session's code is on screen")
        #expect(!driver.hasTimer("idle"), "no idle timeout while the camera works")
        try await driver.next()
        #expect(driver.page == .qualificationSubmitted(staffReview: false, hubOnline: true))
        #expect(!driver.screenText.contains("认证成功"), "the kiosk never says it passed")
        #expect(driver.effects.calls.contains(.verifyPIN([1, 2, 3, 4, 5, 6])))
    }

    @Test func withoutACameraCardAndPINGoToStaffReviewAndOfflineItIsSavedForLater() async throws {
        let driver = try await SessionDriver(health: KioskHealth(cardReader: true, printer: true, camera: false, hub: false))
        try await flow.signIn(driver)
        driver.effects.script { $0.submission = .saved(hubOnline: false) }
        #expect(driver.screenText.contains("养老金资格认证（先保存，联网后自动提交）"))
        try driver.tap(.service("pension-qualification"))
        #expect(driver.page == .qualificationIntro, "offline the status is not asked for")
        #expect(driver.screenText.contains("网络不通"))
        try driver.tap(.confirm)
        try enterPIN(driver, [1, 2, 3, 4, 5, 6])
        try await driver.next()
        #expect(throws: (any Error).self, "no face check without a camera") { try driver.tap(.faceCheck) }
        try driver.tap(.staffReview)
        try await driver.next()
        #expect(driver.page == .qualificationSubmitted(staffReview: true, hubOnline: false))
        #expect(driver.screenText.contains("已保存，联网后自动提交"))
    }

    @Test func aFailedFaceCheckOffersStaffReview() async throws {
        let driver = try await SessionDriver(health: KioskHealth(cardReader: true, printer: true, camera: true, hub: true))
        try await flow.signIn(driver)
        driver.effects.script {
            $0.qualification = .status(QualificationStatus(state: .due, windowOpens: nil, dueBy: nil))
            $0.liveness = [.finished(.fallback(reason: "光线太暗，没有完成刷脸。"))]
        }
        try driver.tap(.service("pension-qualification"))
        try await driver.next()
        try driver.tap(.confirm)
        try enterPIN(driver, [1, 2, 3, 4, 5, 6])
        try await driver.next()
        try driver.tap(.faceCheck)
        try await driver.next()
        #expect(driver.page == .livenessFallback(reason: "光线太暗，没有完成刷脸。"))
        try driver.tap(.confirm)
        try await driver.next()
        #expect(driver.page == .qualificationSubmitted(staffReview: true, hubOnline: true))
        #expect(driver.effects.calls.contains(.staffReview))
    }

    @Test func aWrongPINIsSaidWithTheTriesLeft() async throws {
        let driver = try await SessionDriver(health: KioskHealth(cardReader: true, printer: true, camera: true, hub: true))
        try await flow.signIn(driver)
        driver.effects.script {
            $0.qualification = .failed(.offline)
            $0.pinCheck = .wrongPIN(triesLeft: 2)
        }
        try driver.tap(.service("pension-qualification"))
        try await driver.next()
        try driver.tap(.confirm)
        try enterPIN(driver, [9, 9, 9, 9, 9, 9])
        try await driver.next()
        #expect(driver.page == .qualificationPINResult(.wrongPIN(triesLeft: 2)))
        #expect(driver.screenText.contains("还可以再试2次"))
        try driver.tap(.retry)
        #expect(driver.page == .qualificationPIN)
    }

    @Test func pullingTheCardDuringTheFaceCheckStopsIt() async throws {
        let driver = try await SessionDriver(health: KioskHealth(cardReader: true, printer: true, camera: true, hub: true))
        try await flow.signIn(driver)
        let screen = LivenessScreen(title: "请正对屏幕", nonce: "77", main: "请正对屏幕", detail: nil, progress: nil)
        driver.effects.script {
            $0.qualification = .failed(.offline)
            $0.liveness = [.screen(screen), .screen(screen)]
        }
        try driver.tap(.service("pension-qualification"))
        try await driver.next()
        try driver.tap(.confirm)
        try enterPIN(driver, [1, 2, 3, 4, 5, 6])
        try await driver.next()
        try driver.tap(.faceCheck)
        try await driver.next()
        driver.effects.push(.cardRemoved)
        // The device event and the check's next screen race; either order must end the session.
        for _ in 0..<3 where driver.page != .attract(notice: .cardPulled) { try await driver.next() }
        #expect(driver.page == .attract(notice: .cardPulled))
        try await TestSupportWait.until { driver.effects.calls.contains(.stopLiveness) }
    }
}

enum TestSupportWait {
    /// Polls `condition` for up to 10 s (effects run on their own tasks).
    static func until(_ condition: () -> Bool) async throws {
        for _ in 0..<1000 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("condition not met within 10 s")
    }
}

@Suite struct BookingFlowTests {
    static let hospitals = [
        Hospital(id: "h1", name: "西湖区第一人民医院体检中心", address: "西湖区文三路100号"),
        Hospital(id: "h2", name: "西湖区中医院", address: "西湖区天目山路200号"),
    ]
    static let slots = [
        HealthCheckSlot(id: 11, date: "2026-12-03", starts: "08:00", ends: "09:00", remaining: 1),
        HealthCheckSlot(id: 12, date: "2026-12-03", starts: "09:00", ends: "10:00", remaining: 4),
        HealthCheckSlot(id: 13, date: "2026-12-04", starts: "08:00", ends: "09:00", remaining: 0),
        HealthCheckSlot(id: 14, date: "2026-12-05", starts: "08:00", ends: "09:00", remaining: 2),
    ]
    let flow = KioskSessionFlowTests()

    func openBooking(_ driver: SessionDriver) async throws {
        try await flow.signIn(driver)
        try driver.tap(.service("health-check-booking"))
        try await driver.next()
    }

    @Test func aRetireeBooksAHospitalDayAndTimeAndGetsTheSlip() async throws {
        let driver = try await SessionDriver()
        driver.effects.script {
            $0.bookingOptions = .hospitals(Self.hospitals)
            $0.slots = [.slots(Self.slots)]
            $0.bookings = [.booked(reference: "HC-2026-000123", slipPrinted: true)]
        }
        try await openBooking(driver)
        #expect(driver.page == .chooseHospital(page: 0))
        try driver.tap(.hospital(Self.hospitals[0]))
        try await driver.next()
        // Days without places are not offered.
        #expect(driver.screenText.contains("12月3日（剩5个）"))
        #expect(!driver.screenText.contains("12月4日"))
        try driver.tap(.day("2026-12-03"))
        try driver.tap(.slot(Self.slots[0]))
        #expect(driver.screenText.contains("西湖区文三路100号"))
        try driver.tap(.confirm)
        #expect(driver.page == .booking)
        try await driver.next()
        #expect(driver.page == .booked(reference: "HC-2026-000123", slipPrinted: true))
        #expect(driver.effects.calls.contains(.book(11)))
        try driver.tap(.back)
        #expect(driver.screenText.contains("社保卡和打印的材料"), "the ending reminds of the slip")
    }

    @Test func losingTheLastPlaceToSomeoneElseOffersTheSlotsAgain() async throws {
        let driver = try await SessionDriver()
        driver.effects.script {
            $0.bookingOptions = .hospitals(Self.hospitals)
            $0.slots = [.slots(Self.slots), .slots(Array(Self.slots.dropFirst()))]
            $0.bookings = [.slotFull]
        }
        try await openBooking(driver)
        try driver.tap(.hospital(Self.hospitals[0]))
        try await driver.next()
        try driver.tap(.day("2026-12-03"))
        try driver.tap(.slot(Self.slots[0]))
        try driver.tap(.confirm)
        try await driver.next()
        #expect(driver.page == .bookingSlotFull)
        try driver.tap(.confirm)
        try await driver.next()
        #expect(driver.page == .chooseDay(page: 0))
        #expect(driver.screenText.contains("12月3日（剩4个）"))
    }

    @Test func notRetiredIsToldPlainlyAndOfflineBookingWaits() async throws {
        let driver = try await SessionDriver()
        driver.effects.script { $0.bookingOptions = .notEligible(.notRetired) }
        try await openBooking(driver)
        #expect(driver.page == .bookingNotEligible(.notRetired))
        #expect(driver.screenText.contains("退休人员"))

        // Offline, and the kiosk never heard of any hospital: come back later, in plain words.
        let offline = try await SessionDriver(health: KioskHealth(cardReader: true, printer: true, camera: false, hub: false))
        try await flow.signIn(offline)
        try offline.tap(.service("health-check-booking"))
        try await offline.next()
        #expect(offline.page == .offline(serviceID: "health-check-booking"))
        #expect(offline.screenText.contains("半小时后再来"))
    }

    /// Offline with the hospitals and places the kiosk last heard: the booking is a request,
    /// saved for the hub, and the screens say so before and after.
    @Test func offlineABookingRequestIsSavedForTheHub() async throws {
        let driver = try await SessionDriver(health: KioskHealth(cardReader: true, printer: true, camera: false, hub: false))
        driver.effects.script {
            $0.bookingOptions = .offlineHospitals(Self.hospitals)
            $0.slots = [.slots(Self.slots)]
            $0.bookings = [.savedForLater]
        }
        try await openBooking(driver)
        #expect(driver.page == .chooseHospital(page: 0))
        #expect(driver.model.bookingOffline)
        try driver.tap(.hospital(Self.hospitals[1]))
        try await driver.next()
        try driver.tap(.day("2026-12-05"))
        try driver.tap(.slot(Self.slots[3]))
        #expect(driver.screenText.contains("名额是上次联网时的"))
        try driver.tap(.confirm)
        try await driver.next()
        #expect(driver.page == .bookingSaved)
        #expect(driver.screenText.contains("已保存，联网后自动提交"))
        #expect(driver.effects.calls.contains(.book(14)))
        try driver.tap(.confirm)
        #expect(driver.page == .menu(page: 0))
    }
}
