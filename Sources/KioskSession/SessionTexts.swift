/// The session's words, loaded from `assets/texts/zh-CN.yaml` (keys under `session.`): the code
/// holds keys, never the Chinese. `{name}` in a text is replaced by a value.
public struct SessionTexts: Sendable {
    public let texts: [String: String]

    public init(_ texts: [String: String]) {
        self.texts = texts
    }

    /// Every key the session uses; the kiosk refuses to start if one is missing.
    public static let requiredKeys: [String] = [
        "attract.title", "attract.insert_card", "attract.insert_card_spoken", "attract.hours", "attract.services_heading",
        "attract.unavailable_suffix", "attract.offline_suffix", "attract.large_text", "attract.normal_text", "attract.chosen",
        "card.confirm_heading", "card.name_label", "card.id_label", "card.id_spoken", "card.expired", "card.not_social_security",
        "card.removed", "card.unreadable", "card.reader_fault",
        "session.help", "session.help_spoken", "session.repeat", "session.back", "session.confirm", "session.continue",
        "session.finish", "session.staff_help", "session.retry", "session.reading_card", "session.reading_card_wait",
        "session.confirm_holder_hint", "session.menu_title", "session.menu_hint", "session.more_services", "session.previous_page",
        "session.service_offline_title", "session.certificate_offline", "session.records_offline", "session.hub_not_found",
        "session.hub_failed", "session.loading_records", "session.choose_type_title", "session.all_types",
        "session.choose_period_title", "session.period_12", "session.period_24", "session.period_all",
        "session.certificate_confirm_title", "session.certificate_summary", "session.certificate_no_records", "session.print",
        "session.printing", "session.printed_title", "session.printed_take_paper", "session.print_failed_title",
        "session.records_title", "session.records_empty", "session.record_row", "session.record_row_spoken",
        "session.rating_title", "session.rating_satisfied", "session.rating_dissatisfied", "session.level_5",
        "session.level_4", "session.level_3", "session.level_2", "session.level_1", "session.rating_reason_title",
        "session.reason_waiting", "session.reason_difficult", "session.reason_device", "session.reason_other", "session.skip",
        "session.rating_thanks", "session.staff_called_title", "session.staff_called", "session.journal_refused_title",
        "session.pin_old_title", "session.pin_new_title", "session.pin_repeat_title", "session.pin_prompt", "session.pin_mismatch",
        "session.pin_changing", "session.pin_changed", "session.pin_wrong", "session.pin_blocked", "session.pin_failed",
        "session.take_card_title", "session.take_card", "session.take_card_and_paper", "session.take_card_loud",
        "session.goodbye", "session.card_pulled", "session.idle_warning", "session.idle_continue", "session.unavailable_title",
        "session.counter", "session.qualification_title", "session.qualification_loading", "session.qualification_unknown",
        "session.qualification_due", "session.qualification_due_now", "session.qualification_passed", "session.qualification_passed_plain",
        "session.qualification_not_applicable", "session.qualification_suspended", "session.qualification_under_review",
        "session.qualification_home_visit", "session.qualification_how", "session.qualification_start", "session.verifying_pin",
        "session.method_title", "session.method_hint", "session.camera_missing", "session.face_check", "session.staff_review",
        "session.liveness_starting", "session.liveness_stop", "session.fallback_title", "session.fallback_action",
        "session.submit_review", "session.submitting", "session.submitted_title", "session.submitted_face", "session.submitted_staff",
        "session.saved_offline", "session.pin_record_saved_offline", "session.booking_offline", "session.booking_loading", "session.booking_title",
        "session.booking_not_eligible_not_retired", "session.booking_not_eligible_checked_recently",
        "session.booking_not_eligible_already_booked", "session.choose_hospital_title", "session.more_choices", "session.no_places",
        "session.choose_day_title", "session.day_choice", "session.choose_slot_title", "session.slot_choice",
        "session.booking_confirm_title", "session.booking_summary", "session.booking_hint", "session.book", "session.booking_in_progress",
        "session.booked_title", "session.booked_reference", "session.booked_take_slip", "session.booked_no_slip",
        "session.slot_full_title", "session.slot_full", "session.choose_again",
        "attract.staff_entry", "attract.out_of_service", "staff.code_title", "staff.code_prompt", "staff.code_wrong", "staff.code_used",
        "staff.code_locked", "staff.not_configured", "staff.working", "staff.menu_title", "staff.status", "staff.test_print",
        "staff.paper_replaced", "staff.out_of_service", "staff.back_in_service", "staff.sign_out", "staff.status_title",
        "staff.state_ok", "staff.state_fault", "staff.printer_paper_low", "staff.printer_paper_out", "staff.hub_online",
        "staff.hub_offline", "staff.line_reader", "staff.line_printer", "staff.line_camera", "staff.line_hub", "staff.line_disk",
        "staff.line_backlog", "staff.line_backlog_none", "staff.line_parked", "staff.line_version", "staff.recent_events",
        "staff.test_printed", "staff.test_print_failed", "staff.paper_ok", "staff.paper_still_bad", "staff.now_out_of_service",
        "staff.now_in_service", "staff.action_failed", "session.booking_offline_hint", "session.booking_saved_title",
        "session.booking_saved",
    ]

    public subscript(_ key: String, _ values: [String: String] = [:]) -> String {
        var text = texts[key] ?? key
        for (name, value) in values {
            text = text.replacingOccurrences(of: "{\(name)}", with: value)
        }
        return text
    }
}

extension String {
    /// Plain replacement without Foundation, so the session module stays free of it.
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
