@testable import CameraCapture
@testable import Liveness
import TestSupport
import Testing

/// The check's state machine, replayed with the fake detector's observations.
@Suite struct LivenessCheckTests {
    /// Does one of each action, in the plan's order.
    private func perform(_ action: ChallengeAction, on driver: inout CheckDriver) {
        switch action {
        case .blink:
            driver.show(Scene.face(), count: 2)
            driver.show(Scene.face(eyesOpen: false), count: 2)
            driver.show(Scene.face(), count: 2)
        case .moveCloser:
            for factor in [1.0, 1.1, 1.2, 1.32] { driver.show(Scene.face(Scene.scaled(factor))) }
        case .turnLeft, .turnRight:
            // Citizen's left = image right in an unmirrored camera: the face box moves right.
            let sign = action == .turnLeft ? 1 : -1
            driver.show(Scene.face(), count: 2)
            for dx in [20, 40, 70] { driver.show(Scene.face(Scene.shifted(sign * dx))) }
        case .openMouth:
            driver.show(Scene.face(), count: 2)
            for index in 0..<2 {
                driver.show([Scene.face()], image: Scene.image(seed: 9000 + driver.frameIndex + index, mouthOpenIn: Scene.centred))
            }
        }
    }

    @Test(arguments: [
        [ChallengeAction.blink, .moveCloser, .turnLeft],
        [.turnRight, .openMouth],
        [.openMouth, .blink, .turnRight],
        [.moveCloser, .turnLeft],
    ])
    func aLiveSequenceIsSubmittedNotPassed(_ actions: [ChallengeAction]) throws {
        var driver = CheckDriver(actions: actions)
        driver.startAndPosition()
        for (step, action) in actions.enumerated() {
            #expect(driver.phaseName == "acting \(step)", "before \(action)")
            perform(action, on: &driver)
            if step + 1 < actions.count {
                // Back to the middle while the next prompt is spoken.
                driver.show(Scene.face(), count: 2)
                driver.speakPrompt()
            }
        }
        #expect(driver.phaseName == "submitted")
        let record = try #require(driver.submitted)
        #expect(record.isComplete)
        #expect(record.results.map(\.action) == actions && record.results.allSatisfy(\.passed))
        // Best frontal frame first, then one per action.
        #expect(record.frames.count == actions.count + 1)
        #expect(record.frames.first?.role == .bestFrontal)
        #expect(record.actionFrames.map(\.role) == actions.enumerated().map { .action(step: $0.offset, $0.element) })
        #expect(driver.cameraStopped)
        // Every prompt was spoken, and nothing said or shown claims success: the hub decides.
        for action in actions { #expect(driver.spoken.contains(action.prompt)) }
        let screen = LivenessCheck.screen(driver.model)
        #expect(screen.main == "已提交，请等待审核结果")
        for text in driver.spoken + [screen.main, screen.detail ?? ""] {
            #expect(!text.contains("成功") && !text.contains("通过"), "\(text)")
        }
        // The log ties it all to the nonce.
        #expect(record.log.nonce == "307512")
        #expect(record.log.events.filter { $0.kind == .stepPassed }.count == actions.count)
        #expect(record.log.events.last?.kind == .submitted)
    }

    @Test func anActionBeforeThePromptIsSpokenDoesNotCount() {
        var driver = CheckDriver(actions: [.blink, .moveCloser])
        driver.send(.start(at: .zero))
        while case .positioning = driver.model.phase { driver.show(Scene.face()) }
        #expect(driver.phaseName == "prompting 0")
        // A blink while the prompt is still being spoken: frames are not judged yet.
        driver.show(Scene.face(eyesOpen: false), count: 2)
        driver.show(Scene.face(), count: 2)
        #expect(driver.phaseName == "prompting 0")
        driver.speakPrompt()
        #expect(driver.phaseName == "acting 0")
        // Eyes open throughout the window: no blink is credited.
        driver.show(Scene.face(), count: 10)
        #expect(driver.phaseName == "acting 0")
    }

    @Test func aStillPhotoRunsOutOfAttemptsAndOffersCardAndPIN() {
        var configuration = ChallengeConfiguration()
        configuration.actionWindow = .seconds(3)
        var driver = CheckDriver(actions: [.blink, .turnLeft], configuration: configuration)
        driver.startAndPosition()
        // A printed photo held still in front of a live camera: sensor noise, but nothing moves.
        var attempts = 0
        while !driver.model.phase.isTerminal, driver.frameIndex < 1000 {
            driver.show(Scene.face())
            if case .prompting = driver.model.phase {
                attempts += 1
                driver.speakPrompt()
            }
        }
        #expect(driver.phaseName == "fallback attemptsExhausted")
        #expect(driver.model.failedAttempts == 3 && attempts == 2)
        #expect(driver.model.results.map(\.failure) == ["timeout", "timeout", "timeout"])
        #expect(driver.submitted == nil)
        #expect(driver.spoken.contains("没有看清，请再做一次"))
        #expect(driver.spoken.last == "请用社保卡和密码继续办理，工作人员会为您审核")
        #expect(LivenessCheck.screen(driver.model).main == "请用社保卡和密码继续办理")
    }

    @Test func theWrongActionOrderFailsTheAttempt() {
        // Asked to blink first, the recording turns its head first.
        var driver = CheckDriver(actions: [.blink, .turnLeft])
        driver.startAndPosition()
        driver.show(Scene.face(), count: 2)
        for dx in [30, 60, 90] { driver.show(Scene.face(Scene.shifted(dx))) }
        #expect(driver.model.results.last?.failure == "wrong_action:turn_left")
        #expect(driver.model.failedAttempts == 1)
        #expect(driver.phaseName == "prompting 0")
    }

    @Test func aProfileOnTheOtherSideIsAWrongTurn() {
        var driver = CheckDriver(actions: [.turnRight, .blink])
        driver.startAndPosition()
        driver.show(Scene.face(), count: 2)
        // Frontal lost, a profile looking to the image's right: the citizen turned to their left.
        driver.show([], profiles: [ProfileObservation(face: Scene.centred, facing: .right)])
        #expect(driver.model.results.last?.failure == "wrong_action:turn_left")
    }

    @Test func aProfileOnTheExpectedSidePassesTheTurn() {
        var driver = CheckDriver(actions: [.turnLeft, .blink])
        driver.startAndPosition()
        driver.show(Scene.face(), count: 2)
        driver.show([], profiles: [ProfileObservation(face: Scene.centred, facing: .right)])
        #expect(driver.model.results.last?.passed == true)
        #expect(driver.phaseName == "prompting 1")
    }

    @Test func aMirroringCameraSwapsTheSides() {
        var configuration = ChallengeConfiguration()
        configuration.cameraMirrorsImage = true
        var driver = CheckDriver(actions: [.turnLeft, .blink], configuration: configuration)
        driver.startAndPosition()
        driver.show(Scene.face(), count: 2)
        for dx in [-30, -60, -90] { driver.show(Scene.face(Scene.shifted(dx))) }
        #expect(driver.model.results.last?.passed == true)
    }

    @Test func comingBackFromATurnIsNotAWrongAction() {
        var driver = CheckDriver(actions: [.turnLeft, .blink])
        driver.startAndPosition()
        for dx in [30, 60, 90] { driver.show(Scene.face(Scene.shifted(dx))) }
        #expect(driver.phaseName == "prompting 1")
        // Still turned when the next prompt ends, then back to the middle, then the blink.
        driver.speakPrompt()
        for dx in [90, 60, 30, 0, 0] { driver.show(Scene.face(Scene.shifted(dx))) }
        perform(.blink, on: &driver)
        #expect(driver.phaseName == "submitted")
        #expect(driver.model.failedAttempts == 0)
    }

    @Test func aLongClosureIsNotABlink() {
        var driver = CheckDriver(actions: [.blink, .moveCloser])
        driver.startAndPosition()
        driver.show(Scene.face(), count: 2)
        driver.show(Scene.face(eyesOpen: false), count: 30)   // 2 s shut
        driver.show(Scene.face(), count: 2)
        #expect(driver.phaseName == "acting 0")
    }

    @Test func aRepeatedFrameEndsTheCheck() {
        // A frozen or injected feed: the very same bits twice.
        var driver = CheckDriver(actions: [.blink, .moveCloser])
        driver.send(.start(at: .zero))
        driver.show([Scene.face()], seed: 42)
        driver.show([Scene.face()], seed: 42)
        #expect(driver.phaseName == "fallback feedRepeated")
        #expect(driver.model.issuesSeen.contains(.repeatedFrame))
        #expect(LivenessCheck.screen(driver.model).detail == "摄像头暂时不能使用，工作人员会为您审核")
    }

    @Test func aRecordedSequencePlayedInALoopIsCaught() {
        // A recording of a real blink, replayed: each frame is new the first time round only.
        var driver = CheckDriver(actions: [.moveCloser, .blink])
        driver.send(.start(at: .zero))
        let loop = (0..<12).map { 500 + $0 }
        var shown = 0
        for seed in loop + loop where !driver.model.phase.isTerminal {
            driver.show([Scene.face()], seed: seed)
            shown += 1
            if case .prompting = driver.model.phase { driver.speakPrompt() }
        }
        #expect(driver.phaseName == "fallback feedRepeated")
        #expect(shown == 13)
    }

    @Test func cameraUnpluggedMidCheckFallsBackToCardAndPIN() {
        var driver = CheckDriver(actions: [.blink, .moveCloser])
        driver.startAndPosition()
        driver.show(Scene.face(), count: 3)
        // A stall alone is not fatal…
        driver.send(.cameraFailed(.timeout(.seconds(2)), at: driver.time + .seconds(2)))
        #expect(driver.phaseName == "acting 0")
        // …an unplug is.
        driver.send(.cameraFailed(.unplugged(path: "/dev/video0"), at: driver.time + .seconds(2)))
        #expect(driver.phaseName == "fallback cameraUnavailable(CameraCapture.CameraError.unplugged(path: \"/dev/video0\"))")
        #expect(driver.cameraStopped)
        #expect(LivenessCheck.screen(driver.model).detail == "摄像头暂时不能使用，工作人员会为您审核")
        #expect(driver.model.log.events.contains { $0.kind == .cameraError })
    }

    @Test func tooDarkTwoFacesAndTooFarEachGetTheirInstruction() {
        var driver = CheckDriver(actions: [.blink, .moveCloser])
        driver.send(.start(at: .zero))
        driver.show([], image: Scene.image(seed: 1, brightness: 0.25))
        #expect(driver.model.instruction == "光线太暗，请站到亮一点的地方")
        #expect(driver.spoken.last == driver.model.instruction)
        driver.show([Scene.face(), Scene.face(FaceRectangle(x: 20, y: 40, width: 120, height: 120))])
        #expect(driver.model.instruction == "只能一个人，请其他人稍微让开")
        driver.show([Scene.face(Scene.scaled(0.6))])
        #expect(driver.model.instruction == "请靠近一点")
        driver.show([Scene.face(FaceRectangle(x: 40, y: 130, width: 220, height: 220))])
        #expect(driver.model.instruction == "请正对屏幕，站在屏幕中间")
        #expect(driver.phaseName == "positioning")
        // Then a good, steady face: the instruction clears and the first prompt comes.
        driver.show(Scene.face(), count: 8)
        #expect(driver.model.instruction == nil)
        #expect(driver.phaseName == "prompting 0")
        #expect(Set(driver.model.issuesSeen) == [.tooDark, .noFace, .multipleFaces, .faceTooSmall, .offCentre])
    }

    @Test func instructionsAreNotRepeatedEveryFrame() {
        var driver = CheckDriver(actions: [.blink, .moveCloser])
        driver.send(.start(at: .zero))
        driver.show([Scene.face(Scene.scaled(0.6))])
        driver.show([Scene.face(Scene.scaled(0.6))])
        driver.show([Scene.face(Scene.scaled(0.6))])
        #expect(driver.spoken.filter { $0 == "请靠近一点" }.count == 1)
    }

    @Test func nobodyArrivingEndsInCardAndPIN() {
        var driver = CheckDriver(actions: [.blink, .moveCloser])
        driver.send(.start(at: .zero))
        driver.show([])
        driver.send(.tick(at: .seconds(41)))
        #expect(driver.phaseName == "fallback couldNotPosition(Optional(Liveness.QualityIssue.noFace))")
    }

    @Test func theCitizenCanChooseCardAndPINAtAnyTime() {
        for stop in 0..<4 {
            var driver = CheckDriver(actions: [.blink, .moveCloser])
            #expect(LivenessCheck.screen(driver.model).fallback == LivenessCheck.fallbackOffer)
            if stop > 0 { driver.send(.start(at: .zero)) }
            if stop > 1 { driver.show(Scene.face(), count: 8) }
            if stop > 2 { driver.speakPrompt() }
            #expect(LivenessCheck.screen(driver.model).fallback != nil)
            driver.send(.chooseCardAndPIN(at: driver.time))
            #expect(driver.phaseName == "fallback citizenChose")
            #expect(LivenessCheck.screen(driver.model).fallback == nil)
            // Terminal: nothing moves it any more.
            driver.show(Scene.face())
            #expect(driver.phaseName == "fallback citizenChose")
        }
    }

    @Test func theNonceIsShownGroupedAndSpokenDigitByDigit() {
        var driver = CheckDriver(actions: [.blink, .moveCloser])
        #expect(LivenessCheck.screen(driver.model).nonce == "本次验证码 307 512")
        driver.send(.start(at: .zero))
        #expect(driver.spoken.first?.hasSuffix("3 0 7 5 1 2") == true)
    }
}

@Suite struct ChallengePlanTests {
    @Test func plansAreRandomButReplayable() {
        var first = SeededGenerator(seed: 1), again = SeededGenerator(seed: 1)
        let plan = ChallengePlan.random(using: &first)
        #expect(plan == ChallengePlan.random(using: &again))
        var generator = SeededGenerator(seed: 2)
        var orders = Set<[ChallengeAction]>()
        var nonces = Set<String>()
        for _ in 0..<300 {
            let plan = ChallengePlan.random(using: &generator)
            #expect((2...3).contains(plan.actions.count))
            #expect(Set(plan.actions).count == plan.actions.count)
            #expect(plan.actions.filter(\.isTurn).count <= 1)
            #expect(plan.nonce.count == 6 && plan.nonce.allSatisfy(\.isNumber))
            orders.insert(plan.actions)
            nonces.insert(plan.nonce)
        }
        #expect(orders.count > 30)
        #expect(nonces.count > 290)
    }

    @Test func thePoolCanLeaveActionsOut() {
        var generator = SeededGenerator(seed: 3)
        for _ in 0..<50 {
            let plan = ChallengePlan.random(from: [.blink, .turnLeft, .moveCloser], using: &generator)
            #expect(!plan.actions.contains(.openMouth) && !plan.actions.contains(.turnRight))
        }
    }
}
