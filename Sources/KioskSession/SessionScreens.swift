import CertificateVerification
import KioskCore
import TextConsole

extension KioskSessionProgram {
    public func view(_ model: Model) -> Screen<Target> {
        var screen = page(model)
        // Every screen can be heard again from the same place (A15) and has help (A12).
        screen.help = Button(texts["session.help"], target: .help)
        screen.repeatSpeech = Button(texts["session.repeat"], target: .repeatSpeech)
        if let left = model.idleSecondsLeft {
            screen.overlay = CountdownOverlay(message: Text(texts["session.idle_warning"]), secondsLeft: left,
                                              continue: Button(texts["session.idle_continue"], target: .stayInSession))
        }
        return screen
    }

    private var back: Button<Target> { Button(texts["session.back"], target: .back) }

    private func staffChoice() -> Content<Target> { .choices([Button(texts["session.staff_help"], target: .staffHelp)]) }

    private func page(_ model: Model) -> Screen<Target> {
        if let staff = staffPage(model) { return staff }
        switch model.page {
        case .attract(let notice):
            return attract(model, notice: notice)

        case .readingCard:
            return Screen(title: Text(texts["session.reading_card"]),
                          content: [.progress(label: Text(texts["session.reading_card_wait"]), fraction: nil, phase: 0)])

        case .cardProblem(let problem):
            let key: String
            switch problem {
            case .expired: key = "card.expired"
            case .notASocialSecurityCard: key = "card.not_social_security"
            case .removed: key = "card.removed"
            case .unreadable: key = "card.unreadable"
            case .readerFault: key = "card.reader_fault"
            }
            return Screen(title: Text(texts["session.unavailable_title"]),
                          content: [.error(cause: Text(texts[key]), action: Text(texts["session.counter"])), staffChoice()],
                          confirm: Button(texts["session.finish"], target: .finish, kind: .primary))

        case .confirmHolder:
            guard let holder = model.holder else { return attract(model, notice: nil) }
            return Screen(title: Text(texts["card.confirm_heading"]),
                          content: [.paragraph(Text(texts["card.name_label"] + holder.maskedName)),
                                    .paragraph(Text(texts["card.id_label"] + holder.citizenID.masked,
                                                    spoken: texts["card.id_label"] + texts["card.id_spoken"])),
                                    .hint(Text(texts["session.confirm_holder_hint"]))],
                          back: Button(texts["session.finish"], target: .back),
                          confirm: Button(texts["session.confirm"], target: .confirm, kind: .primary))

        case .menu(let page):
            let offered = offeredServices(model)
            let pageCount = menuPageCount(model)
            let shown = offered.dropFirst(page * Self.servicesPerMenuPage).prefix(Self.servicesPerMenuPage)
            let buttons = shown.map { entry, availability -> Button<Target> in
                switch availability {
                case .available: return Button(entry.title, target: .service(entry.id))
                case .availableOffline: return Button(entry.title + texts["attract.offline_suffix"], target: .service(entry.id))
                case .unavailable:
                    // Services that only lack the hub stay tappable, to explain and suggest a time.
                    let hubOnly = entry.needs.contains(.hub) && !model.health.hub
                    return Button(entry.title, target: .service(entry.id), isEnabled: hubOnly)
                }
            }
            return Screen(title: Text(texts["session.menu_title"]),
                          content: [.hint(Text(texts["session.menu_hint"])), .choices(Array(buttons))],
                          back: page > 0 ? Button(texts["session.previous_page"], target: .back)
                                         : Button(texts["session.finish"], target: .back),
                          confirm: page + 1 < pageCount ? Button(texts["session.more_services"], target: .confirm, kind: .primary) : nil)

        case .offline(let serviceID):
            let key: String
            switch serviceID {
            case "print-certificate": key = "session.certificate_offline"
            case "health-check-booking": key = "session.booking_offline"
            default: key = "session.records_offline"
            }
            return Screen(title: Text(texts["session.service_offline_title"]),
                          content: [.paragraph(Text(texts[key])), staffChoice()],
                          back: back, confirm: Button(texts["session.continue"], target: .confirm, kind: .primary))

        case .loadingRecords:
            return Screen(title: Text(texts["session.loading_records"]),
                          content: [.progress(label: Text(texts["session.reading_card_wait"]), fraction: nil, phase: 0)])

        case .hubProblem(let problem):
            let cause: String
            switch problem {
            case .offline: cause = texts["session.records_offline"]
            case .notFound: cause = texts["session.hub_not_found"]
            case .failed: cause = texts["session.hub_failed"]
            }
            return Screen(title: Text(texts["session.unavailable_title"]),
                          content: [.error(cause: Text(cause), action: Text(texts["session.counter"])), staffChoice()],
                          back: back, confirm: Button(texts["session.continue"], target: .confirm, kind: .primary))

        case .chooseType:
            // The person's own types, at most three, and 全部险种: four large choices (A11).
            var buttons = model.records.prefix(3).map { Button($0.type.chineseName, target: Target.insuranceType($0.type)) }
            if model.records.count > 1 || buttons.isEmpty {
                buttons.append(Button(texts["session.all_types"], target: .insuranceType(nil)))
            }
            return Screen(title: Text(texts["session.choose_type_title"]), content: [.choices(buttons)], back: back)

        case .choosePeriod:
            return Screen(title: Text(texts["session.choose_period_title"]),
                          content: [.choices([Button(texts["session.period_12"], target: .period(.last12Months)),
                                              Button(texts["session.period_24"], target: .period(.last24Months)),
                                              Button(texts["session.period_all"], target: .period(.all))])],
                          back: back)

        case .certificateConfirm:
            let records = certificateRecords(model)
            var content: [Content<Target>] = records.map { record in
                .paragraph(Text(texts["session.certificate_summary", ["type": record.type.chineseName, "status": record.status.chineseName,
                                                                      "months": "\(record.totalMonths)"]]))
            }
            if records.allSatisfy({ $0.periods.isEmpty }) {
                content.append(.hint(Text(texts["session.certificate_no_records"])))
            }
            return Screen(title: Text(texts["session.certificate_confirm_title"]), content: content, back: back,
                          confirm: Button(texts["session.print"], target: .confirm, kind: .primary))

        case .printing:
            return Screen(title: Text(texts["session.printing"]),
                          content: [.progress(label: Text(texts["session.reading_card_wait"]), fraction: nil, phase: model.printAttempt)])

        case .printed(let code):
            return Screen(title: Text(texts["session.printed_title"]),
                          content: [.paragraph(Text(texts["session.printed_take_paper", ["code": code]],
                                                    spoken: texts["session.printed_take_paper", ["code": ""]]))],
                          back: Button(texts["session.finish"], target: .back),
                          confirm: Button(texts["session.continue"], target: .confirm, kind: .primary))

        case .printFailed(let citizenMessage, let tryAgain):
            if tryAgain {
                return .error(title: Text(texts["session.print_failed_title"]), cause: Text(citizenMessage),
                              action: Text(texts["session.counter"]), retry: .retry, staffHelp: .staffHelp, back: back, help: nil)
            }
            return Screen(title: Text(texts["session.print_failed_title"]),
                          content: [.error(cause: Text(citizenMessage), action: Text(texts["session.counter"])), staffChoice()],
                          back: back, confirm: Button(texts["session.continue"], target: .confirm, kind: .primary))

        case .records(let page):
            let rows = recordRows(model)
            return Screen(title: Text(texts["session.records_title"]),
                          content: rows.isEmpty ? [.paragraph(Text(texts["session.records_empty"]))]
                                                : [.pagedList(rows: rows, page: page, previous: .previousPage, next: .nextPage)],
                          back: back, confirm: Button(texts["session.continue"], target: .confirm, kind: .primary))

        case .ratingSatisfied:
            return Screen(title: Text(texts["session.rating_title"]),
                          content: [.choices([Button(texts["session.rating_satisfied"], target: .satisfied(true)),
                                              Button(texts["session.rating_dissatisfied"], target: .satisfied(false))])],
                          back: back)

        case .ratingLevel(let satisfied):
            let levels: [ServiceRating.Level] = satisfied ? [.verySatisfied, .satisfied, .basicallySatisfied]
                                                          : [.dissatisfied, .veryDissatisfied]
            return Screen(title: Text(texts["session.rating_title"]),
                          content: [.choices(levels.map { Button(texts["session.level_\($0.rawValue)"], target: .level($0)) })],
                          back: back)

        case .ratingReason:
            let reasons = ["waiting", "difficult", "device", "other"]
            return Screen(title: Text(texts["session.rating_reason_title"]),
                          content: [.choices(reasons.map { Button(texts["session.reason_\($0)"], target: .reason($0)) })],
                          back: back, confirm: Button(texts["session.skip"], target: .confirm, kind: .primary))

        case .savingRating:
            return Screen(title: Text(texts["session.rating_title"]),
                          content: [.progress(label: Text(texts["session.reading_card_wait"]), fraction: nil, phase: 0)])

        case .ratingThanks:
            // Offline, the rating waits in the journal: say so, as for every saved service.
            return Screen(title: Text(texts["session.rating_thanks"]),
                          content: model.health.hub ? [] : [.paragraph(Text(texts["session.saved_offline"]))], back: back,
                          confirm: Button(texts["session.continue"], target: .confirm, kind: .primary))

        case .staffCalled:
            return Screen(title: Text(texts["session.staff_called_title"]), content: [.paragraph(Text(texts["session.staff_called"]))],
                          back: back, confirm: Button(texts["session.continue"], target: .confirm, kind: .primary))

        case .journalRefused(let citizenMessage):
            return Screen(title: Text(texts["session.journal_refused_title"]),
                          content: [.error(cause: Text(citizenMessage), action: Text(texts["session.counter"])), staffChoice()],
                          back: back, confirm: Button(texts["session.continue"], target: .confirm, kind: .primary))

        case .pinEntry(let step, let mismatch):
            var keys: [PINKey: Target] = [.correct: .pinKey(.correct), .clear: .pinKey(.clear)]
            for digit in 0...9 { keys[.digit(digit)] = .pinKey(.digit(digit)) }
            let title: String
            switch step {
            case .old: title = texts["session.pin_old_title"]
            case .new: title = texts["session.pin_new_title"]
            case .repeatNew: title = texts["session.pin_repeat_title"]
            }
            // The keypad fills the screen, so a mismatch is said in the title (and spoken first).
            let content: [Content<Target>] = [.pinPad(prompt: Text(texts["session.pin_prompt"]), entered: model.pinDigits.count,
                                                      length: Self.pinLength, keys: keys)]
            return Screen(title: Text(mismatch ? texts["session.pin_mismatch"] : title), content: content, back: back,
                          confirm: Button(texts["session.confirm"], target: .confirm, kind: .primary,
                                          isEnabled: model.pinDigits.count == Self.pinLength))

        case .pinChanging:
            return Screen(title: Text(texts["session.pin_changing"]),
                          content: [.progress(label: Text(texts["session.reading_card_wait"]), fraction: nil, phase: 0)])

        case .pinResult(let outcome):
            switch outcome {
            case .changed:
                // The card holds the new PIN already; only the record of the change waits offline.
                return Screen(title: Text(texts["session.pin_changed"]),
                              content: model.health.hub ? [] : [.paragraph(Text(texts["session.pin_record_saved_offline"]))], back: back,
                              confirm: Button(texts["session.continue"], target: .confirm, kind: .primary))
            case .wrongPIN(let triesLeft):
                return .error(cause: Text(texts["session.pin_wrong", ["tries": "\(triesLeft)"]]), action: Text(texts["session.counter"]),
                              retry: .retry, staffHelp: .staffHelp, back: back, help: nil)
            case .blocked:
                return Screen(title: Text(texts["session.unavailable_title"]),
                              content: [.error(cause: Text(texts["session.pin_blocked"]), action: Text(texts["session.counter"]))],
                              back: back, confirm: Button(texts["session.continue"], target: .confirm, kind: .primary))
            case .failed(let problem):
                return Screen(title: Text(texts["session.unavailable_title"]),
                              content: [.error(cause: Text(texts["session.pin_failed"] + "（\(problem)）",
                                                           spoken: texts["session.pin_failed"]),
                                               action: Text(texts["session.counter"])), staffChoice()],
                              back: back, confirm: Button(texts["session.continue"], target: .confirm, kind: .primary))
            }

        case .qualificationLoading:
            return Screen(title: Text(texts["session.qualification_loading"]),
                          content: [.progress(label: Text(texts["session.reading_card_wait"]), fraction: nil, phase: 0)])

        case .qualificationIntro:
            return Screen(title: Text(texts["session.qualification_title"]),
                          content: [.paragraph(Text(qualificationStatusText(model))), .hint(Text(texts["session.qualification_how"]))],
                          back: back, confirm: Button(texts["session.qualification_start"], target: .confirm, kind: .primary))

        case .qualificationPIN:
            var keys: [PINKey: Target] = [.correct: .pinKey(.correct), .clear: .pinKey(.clear)]
            for digit in 0...9 { keys[.digit(digit)] = .pinKey(.digit(digit)) }
            return Screen(title: Text(texts["session.pin_old_title"]),
                          content: [.pinPad(prompt: Text(texts["session.pin_prompt"]), entered: model.pinDigits.count,
                                            length: Self.pinLength, keys: keys)],
                          back: back,
                          confirm: Button(texts["session.confirm"], target: .confirm, kind: .primary,
                                          isEnabled: model.pinDigits.count == Self.pinLength))

        case .verifyingPIN:
            return Screen(title: Text(texts["session.verifying_pin"]),
                          content: [.progress(label: Text(texts["session.reading_card_wait"]), fraction: nil, phase: 0)])

        case .qualificationPINResult(let outcome):
            switch outcome {
            case .wrongPIN(let triesLeft):
                return .error(cause: Text(texts["session.pin_wrong", ["tries": "\(triesLeft)"]]), action: Text(texts["session.counter"]),
                              retry: .retry, staffHelp: .staffHelp, back: back, help: nil)
            case .blocked:
                return Screen(title: Text(texts["session.unavailable_title"]),
                              content: [.error(cause: Text(texts["session.pin_blocked"]), action: Text(texts["session.counter"]))],
                              back: back, confirm: Button(texts["session.continue"], target: .confirm, kind: .primary))
            case .verified, .failed:
                return Screen(title: Text(texts["session.unavailable_title"]),
                              content: [.error(cause: Text(texts["card.unreadable"]), action: Text(texts["session.counter"])), staffChoice()],
                              back: back, confirm: Button(texts["session.continue"], target: .confirm, kind: .primary))
            }

        case .qualificationMethod:
            var content: [Content<Target>] = [.choices([
                Button(texts["session.face_check"], target: .faceCheck, isEnabled: model.health.camera),
                Button(texts["session.staff_review"], target: .staffReview),
            ])]
            content.insert(.hint(Text(texts[model.health.camera ? "session.method_hint" : "session.camera_missing"])), at: 0)
            return Screen(title: Text(texts["session.method_title"]), content: content, back: back)

        case .livenessCheck(let check):
            var content: [Content<Target>] = [.paragraph(Text(check.main))]
            if let detail = check.detail { content.append(.hint(Text(detail))) }
            // The session's code on screen (labelled by the check): a recording made for another
            // session shows another one.
            if !check.nonce.isEmpty { content.append(.hint(Text(check.nonce))) }
            if let progress = check.progress { content.append(.hint(Text(progress))) }
            content.append(.choices([Button(texts["session.liveness_stop"], target: .staffReview)]))
            return Screen(title: Text(check.title), content: content)

        case .livenessFallback(let reason):
            return Screen(title: Text(texts["session.fallback_title"]),
                          content: [.paragraph(Text(reason)), .paragraph(Text(texts["session.fallback_action"]))],
                          back: back, confirm: Button(texts["session.submit_review"], target: .confirm, kind: .primary))

        case .submittingQualification:
            return Screen(title: Text(texts["session.submitting"]),
                          content: [.progress(label: Text(texts["session.reading_card_wait"]), fraction: nil, phase: 0)])

        case .qualificationSubmitted(let staffReview, let hubOnline):
            var content: [Content<Target>] = [.paragraph(Text(texts[staffReview ? "session.submitted_staff" : "session.submitted_face"]))]
            if !hubOnline { content.append(.paragraph(Text(texts["session.saved_offline"]))) }
            return Screen(title: Text(texts["session.submitted_title"]), content: content, back: back,
                          confirm: Button(texts["session.continue"], target: .confirm, kind: .primary))

        case .bookingLoading, .slotsLoading:
            return Screen(title: Text(texts["session.booking_loading"]),
                          content: [.progress(label: Text(texts["session.reading_card_wait"]), fraction: nil, phase: 0)])

        case .bookingNotEligible(let reason):
            return Screen(title: Text(texts["session.booking_title"]),
                          content: [.paragraph(Text(texts["session.booking_not_eligible_\(reason.rawValue)"]))],
                          back: back, confirm: Button(texts["session.continue"], target: .confirm, kind: .primary))

        case .chooseHospital(let page):
            let shown = model.hospitals.dropFirst(page * Self.choicesPerPage).prefix(Self.choicesPerPage)
            let more = (page + 1) * Self.choicesPerPage < model.hospitals.count
            return Screen(title: Text(texts["session.choose_hospital_title"]),
                          content: [.choices(shown.map { Button($0.name, target: Target.hospital($0)) })],
                          back: page > 0 ? Button(texts["session.previous_page"], target: .back) : back,
                          confirm: more ? Button(texts["session.more_choices"], target: .confirm, kind: .primary) : nil)

        case .chooseDay(let page):
            let days = bookingDays(model)
            let shown = days.dropFirst(page * Self.choicesPerPage).prefix(Self.choicesPerPage)
            let more = (page + 1) * Self.choicesPerPage < days.count
            var content: [Content<Target>] = [.hint(Text(model.hospital?.name ?? ""))]
            if days.isEmpty {
                content.append(.paragraph(Text(texts["session.no_places"])))
            } else {
                content.append(.choices(shown.map { day in
                    let left = model.slots.filter { $0.date == day }.reduce(0) { $0 + $1.remaining }
                    return Button(texts["session.day_choice", ["day": Self.chineseDate(day), "left": "\(left)"]], target: Target.day(day))
                }))
            }
            return Screen(title: Text(texts["session.choose_day_title"]), content: content,
                          back: page > 0 ? Button(texts["session.previous_page"], target: .back) : back,
                          confirm: more ? Button(texts["session.more_choices"], target: .confirm, kind: .primary) : nil)

        case .chooseSlot:
            let slots = model.slots.filter { $0.date == model.day }.prefix(Self.choicesPerPage)
            return Screen(title: Text(texts["session.choose_slot_title"]),
                          content: [.hint(Text((model.hospital?.name ?? "") + "　" + Self.chineseDate(model.day ?? ""))),
                                    .choices(slots.map { slot in
                                        Button(texts["session.slot_choice", ["starts": slot.starts, "ends": slot.ends, "left": "\(slot.remaining)"]],
                                               target: Target.slot(slot))
                                    })],
                          back: back)

        case .bookingConfirm:
            let values = ["hospital": model.hospital?.name ?? "", "address": model.hospital?.address ?? "",
                          "day": Self.chineseDate(model.slot?.date ?? ""), "starts": model.slot?.starts ?? "", "ends": model.slot?.ends ?? ""]
            return Screen(title: Text(texts["session.booking_confirm_title"]),
                          content: [.paragraph(Text(texts["session.booking_summary", values])),
                                    .hint(Text(texts[model.bookingOffline ? "session.booking_offline_hint" : "session.booking_hint"]))],
                          back: back, confirm: Button(texts["session.book"], target: .confirm, kind: .primary))

        case .bookingSaved:
            return Screen(title: Text(texts["session.booking_saved_title"]), content: [.paragraph(Text(texts["session.booking_saved"]))],
                          back: Button(texts["session.finish"], target: .back),
                          confirm: Button(texts["session.continue"], target: .confirm, kind: .primary))

        case .booking:
            return Screen(title: Text(texts["session.booking_in_progress"]),
                          content: [.progress(label: Text(texts["session.reading_card_wait"]), fraction: nil, phase: 0)])

        case .booked(let reference, let slipPrinted):
            var content: [Content<Target>] = [.paragraph(Text(texts["session.booked_reference", ["reference": reference]],
                                                              spoken: texts["session.booked_reference", ["reference": ""]]))]
            content.append(.paragraph(Text(texts[slipPrinted ? "session.booked_take_slip" : "session.booked_no_slip"])))
            return Screen(title: Text(texts["session.booked_title"]), content: content,
                          back: Button(texts["session.finish"], target: .back),
                          confirm: Button(texts["session.continue"], target: .confirm, kind: .primary))

        case .bookingSlotFull:
            return Screen(title: Text(texts["session.slot_full_title"]), content: [.paragraph(Text(texts["session.slot_full"]))],
                          back: back, confirm: Button(texts["session.choose_again"], target: .confirm, kind: .primary))

        case .takeCard(let loud):
            let key = loud ? "session.take_card_loud" : (model.paperPrinted ? "session.take_card_and_paper" : "session.take_card")
            return Screen(title: Text(texts["session.take_card_title"]), content: [.paragraph(Text(texts[key]))])

        case .staffCode, .staffChecking, .staffMenu, .staffBusy, .staffStatus, .staffResult:
            // Drawn by staffPage(_:) above.
            return attract(model, notice: nil)
        }
    }

    /// `2026-12-03` → 12月3日, as people say dates.
    static func chineseDate(_ day: String) -> String {
        let parts = day.split(separator: "-")
        guard parts.count == 3, let month = Int(parts[1]), let date = Int(parts[2]) else { return day }
        return "\(month)月\(date)日"
    }

    private func qualificationStatusText(_ model: Model) -> String {
        guard let status = model.qualification else { return texts["session.qualification_unknown"] }
        let values = ["due": status.dueBy ?? "", "opens": status.windowOpens ?? ""]
        switch status.state {
        case .due: return texts[status.dueBy == nil ? "session.qualification_due_now" : "session.qualification_due", values]
        case .passed: return texts[status.windowOpens == nil ? "session.qualification_passed_plain" : "session.qualification_passed", values]
        case .notApplicable: return texts["session.qualification_not_applicable"]
        case .suspended: return texts["session.qualification_suspended"]
        case .underReview: return texts["session.qualification_under_review"]
        case .homeVisit: return texts["session.qualification_home_visit"]
        }
    }

    private func attract(_ model: Model, notice: Notice?) -> Screen<Target> {
        var content: [Content<Target>] = []
        switch notice {
        case .cardPulled: content.append(.paragraph(Text(texts["session.card_pulled"])))
        case .goodbye: content.append(.paragraph(Text(texts["session.goodbye"])))
        case nil: break
        }
        if model.outOfService {
            // Staff closed the kiosk: say so first and plainly; staff can still open staff mode.
            content.append(.error(cause: Text(texts["attract.out_of_service"]), action: Text(texts["session.counter"])))
            content.append(.choices([Button(texts["session.staff_help"], target: .staffHelp),
                                     Button(texts["attract.staff_entry"], target: .staffLogin)]))
            return Screen(title: Text(texts["attract.title"] + "　" + office, spoken: texts["attract.title"]), content: content)
        }
        content.append(.paragraph(Text("【" + texts["attract.insert_card"] + "】", spoken: texts["attract.insert_card_spoken"])))
        // What works right now, in words (A: problems shown as unavailable services, not jargon).
        let lines = offeredServices(model).map { entry, availability -> String in
            switch availability {
            case .available: return entry.title
            case .availableOffline: return entry.title + texts["attract.offline_suffix"]
            case .unavailable: return entry.title + texts["attract.unavailable_suffix"]
            }
        }
        content.append(.hint(Text(texts["attract.services_heading"] + "：" + lines.joined(separator: "，"))))
        let mark: (SizeMode) -> String = { model.sizeMode == $0 ? texts["attract.chosen"] : "" }
        content.append(.choices([Button(texts["attract.normal_text"] + mark(.normal), target: .size(.normal)),
                                 Button(texts["attract.large_text"] + mark(.large), target: .size(.large)),
                                 Button(texts["session.staff_help"], target: .staffHelp),
                                 Button(texts["attract.staff_entry"], target: .staffLogin)]))
        // The opening notice gives way to a notice about the session that just ended.
        if notice == nil { content.append(.hint(Text(texts["attract.hours"]))) }
        return Screen(title: Text(texts["attract.title"] + "　" + office, spoken: texts["attract.title"]), content: content)
    }
}
