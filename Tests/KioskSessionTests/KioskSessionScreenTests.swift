import CertificateVerification
import KioskCore
import KioskSession
import Testing
import TextConsole

/// Every page of the session, laid out on the kiosk's two grids (120×22 normal, 96×18 large):
/// nothing cut off, every text found in the assets, targets big enough, something to say.
@Suite struct KioskSessionScreenTests {
    static func everyPage() -> [KioskSessionProgram.Page] {
        [
            .attract(notice: nil), .attract(notice: .cardPulled), .attract(notice: .goodbye), .readingCard,
            .cardProblem(.expired), .cardProblem(.notASocialSecurityCard), .cardProblem(.removed), .cardProblem(.unreadable),
            .cardProblem(.readerFault), .confirmHolder, .menu(page: 0), .menu(page: 1), .offline(serviceID: "print-certificate"),
            .offline(serviceID: "query-records"), .loadingRecords(.certificate), .hubProblem(.offline), .hubProblem(.notFound),
            .hubProblem(.failed("500")), .chooseType, .choosePeriod, .certificateConfirm, .printing, .printed(code: "7K3M-9QXA-2B4C-8D6E"),
            .printFailed(citizenMessage: "打印机没有纸了，请联系工作人员换纸。", tryAgain: true),
            .printFailed(citizenMessage: "打印机出了故障。", tryAgain: false), .records(page: 0), .ratingSatisfied,
            .ratingLevel(satisfied: true), .ratingLevel(satisfied: false), .ratingReason(.dissatisfied), .savingRating, .ratingThanks,
            .staffCalled, .journalRefused(citizenMessage: "这台机器的存储空间不足。"), .pinEntry(.old, mismatch: false),
            .pinEntry(.new, mismatch: true), .pinEntry(.repeatNew, mismatch: false), .pinChanging, .pinResult(.changed),
            .pinResult(.wrongPIN(triesLeft: 2)), .pinResult(.blocked), .pinResult(.failed(.removed)), .takeCard(loud: false),
            .takeCard(loud: true), .qualificationLoading, .qualificationIntro, .qualificationPIN, .verifyingPIN,
            .qualificationPINResult(.wrongPIN(triesLeft: 2)), .qualificationPINResult(.blocked), .qualificationMethod,
            .livenessCheck(LivenessScreen(title: "请眨眨眼", nonce: "本次验证码 482 113", main: "请看着屏幕，慢慢眨一下眼睛。", detail: "请靠近一点",
                                          progress: "第1步，共3步")),
            .livenessFallback(reason: "光线太暗，没有完成刷脸。"), .submittingQualification,
            .qualificationSubmitted(staffReview: false, hubOnline: true), .qualificationSubmitted(staffReview: true, hubOnline: false),
            .offline(serviceID: "health-check-booking"), .bookingLoading, .bookingNotEligible(.notRetired),
            .bookingNotEligible(.checkedRecently), .bookingNotEligible(.alreadyBooked), .chooseHospital(page: 0), .slotsLoading,
            .chooseDay(page: 0), .chooseSlot, .bookingConfirm, .booking, .booked(reference: "HC-2026-000789", slipPrinted: true),
            .booked(reference: "HC-2026-000789", slipPrinted: false), .bookingSlotFull, .bookingSaved,
            .staffCode(problem: nil), .staffCode(problem: .wrong(triesLeft: 3)), .staffCode(problem: .locked(minutesLeft: 15)),
            .staffCode(problem: .notConfigured), .staffCode(problem: .alreadyUsed), .staffChecking, .staffMenu, .staffBusy,
            .staffStatus(ScriptedSessionEffects.Script().staffStatus, page: 0), .staffStatus(ScriptedSessionEffects.Script().staffStatus, page: 1),
            .staffStatus(StaffStatusReport(cardReaderReady: false, printer: .fault("打印服务故障 cupsUnavailable，请联系技术人员"),
                                           cameraReady: true, hubOnline: true, freeDiskMegabytes: 120_000, pending: 0,
                                           oldestPendingMinutes: nil, parked: ["certificate.printed: bad-signature", "rating.given: x",
                                                                               "pin.changed: y", "staff.called: z"],
                                           softwareVersion: "1.0.0", recentEvents: ["09:15 printer.paper_out", "09:20 staff.login",
                                                                                    "09:21 staff.test_page", "09:22 staff.paper_refilled"]), page: 3),
            .staffResult(.testPagePrinted), .staffResult(.testPageNotPrinted("缺纸")), .staffResult(.printerReady),
            .staffResult(.printerStillCannotPrint("盖子没有关好")), .staffResult(.serviceState(outOfService: true)),
            .staffResult(.serviceState(outOfService: false)), .staffResult(.failed("状态没有保存，请技术人员检查存储。")),
        ]
    }

    @Test(arguments: [(120, 22, SizeMode.normal), (96, 18, SizeMode.large)])
    func everyPageFitsItsGridAndSpeaks(columns: Int, rows: Int, mode: SizeMode) throws {
        let program = KioskSessionProgram(effects: ScriptedSessionEffects(), texts: try SessionDriver.texts(),
                                          catalogue: try SessionDriver.catalogue(), office: "西湖区文新街道社保自助大厅")
        for (page, outOfService) in Self.everyPage().map({ ($0, false) }) + [(.attract(notice: nil), true), (.staffMenu, true),
                                                                             (.bookingConfirm, true)] {
            var model = KioskSessionProgram.Model(health: KioskHealth(cardReader: true, printer: true, camera: true, hub: true))
            model.page = page
            model.outOfService = outOfService
            // (The booking confirmation reads the flag as "booking offline".)
            model.bookingOffline = outOfService
            model.sizeMode = mode
            model.holder = try zhangSan()
            model.records = sampleRecords()
            model.recordsAsOf = YearMonth(year: 2026, month: 11)
            model.pinDigits = [7, 4, 9]
            model.qualification = QualificationStatus(state: .due, windowOpens: "2026-01-01", dueBy: "2026-12-31")
            model.hospitals = BookingFlowTests.hospitals
            model.hospital = BookingFlowTests.hospitals[0]
            model.slots = BookingFlowTests.slots
            model.day = "2026-12-03"
            model.slot = BookingFlowTests.slots[0]
            let frame = ScreenLayout(columns: columns, rows: rows, mode: mode).render(program.view(model))
            let text = frame.buffer.text.joined(separator: "\n")
            #expect(frame.truncated.isEmpty, "\(page) at \(columns)×\(rows): cut off \(frame.truncated)")
            #expect(!text.contains("session.") && !text.contains("attract.") && !text.contains("card.")
                    && !SessionTexts.requiredKeys.contains { text.contains($0) },
                    "\(page): a text key is missing from assets/texts/zh-CN.yaml:\n\(text)")
            #expect(!frame.speech.isEmpty, "\(page) says nothing")
            #expect(frame.speech.contains("重听") || frame.speech.contains { $0.contains("重听") }, "\(page) has no 重听")
            // Touch targets ≥ 2 rows × 8 columns (accessibility checklist).
            for button in frame.buttons {
                #expect(button.rect.height >= 2 && button.rect.width >= 8, "\(page): \(button.label) is \(button.rect)")
            }
            // PIN digits are never drawn, only their count.
            #expect(!text.contains("749"), "\(page) shows PIN digits")
        }
    }
}
