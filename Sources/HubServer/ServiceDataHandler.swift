import Foundation
import HubAPI
import HubStore
import KioskCore
import Logging
import OpenAPIRuntime

/// The kiosk's service queries: records, qualification, health-check booking. Signed like every
/// kiosk request; a kiosk asks only with the identifiers of the card in its reader, and the
/// store audits every query. Logs carry the masked ID only.
extension HubAPIHandler {
    func queryInsuranceRecords(_ input: Operations.QueryInsuranceRecords.Input) async throws -> Operations.QueryInsuranceRecords.Output {
        guard let deviceID = AuthenticatedKiosk.deviceID else { return .unauthorized(.init(body: .json(Self.unsigned))) }
        guard case .json(let query) = input.body else { return .badRequest(.init(body: .json(Self.problem("bad_body", "Expected JSON.")))) }
        let page = Int(query.page ?? 1), pageSize = Int(query.pageSize ?? 20)
        guard page >= 1, (1...100).contains(pageSize) else {
            return .badRequest(.init(body: .json(Self.problem("bad_query", "page must be ≥ 1 and page_size within 1…100."))))
        }
        guard let card = Self.card(query.citizenId, query.cardNumber) else { return .badRequest(.init(body: .json(Self.badCard(query.cardNumber)))) }
        let records: InsuranceRecordsPage?
        do {
            records = try await store.insuranceRecords(card, page: page, pageSize: pageSize, actor: deviceID, now: Date())
        } catch {
            return .serviceUnavailable(.init(body: .json(serviceUnavailable(error))))
        }
        logQuery("records.query", card, found: records != nil, deviceID)
        guard let records else { return .notFound(.init(body: .json(Self.noSuchHolder))) }
        return .ok(.init(body: .json(.init(
            name: records.name, citizenId: records.citizenID,
            summary: records.summary.map {
                .init(_type: $0.insuranceType, name: $0.name, status: $0.status, firstInsured: $0.firstInsured, currentSince: $0.currentSince,
                      months: Int32($0.months), employer: $0.employer)
            },
            periods: records.periods.map {
                .init(_type: $0.insuranceType, name: $0.name, employer: $0.employer, from: $0.from, through: $0.through, months: Int32($0.months), status: $0.status)
            },
            page: Int32(records.page), pageSize: Int32(records.pageSize), totalPeriods: Int32(records.totalPeriods)))))
    }

    func queryQualification(_ input: Operations.QueryQualification.Input) async throws -> Operations.QueryQualification.Output {
        guard let deviceID = AuthenticatedKiosk.deviceID else { return .unauthorized(.init(body: .json(Self.unsigned))) }
        guard case .json(let query) = input.body else { return .badRequest(.init(body: .json(Self.problem("bad_body", "Expected JSON.")))) }
        guard let card = Self.card(query.citizenId, query.cardNumber) else { return .badRequest(.init(body: .json(Self.badCard(query.cardNumber)))) }
        let state: QualificationState?
        do {
            state = try await store.qualification(card, actor: deviceID, now: Date())
        } catch {
            return .serviceUnavailable(.init(body: .json(serviceUnavailable(error))))
        }
        logQuery("qualification.query", card, found: state != nil, deviceID)
        guard let state else { return .notFound(.init(body: .json(Self.noSuchHolder))) }
        return .ok(.init(body: .json(.init(status: .init(rawValue: state.status.rawValue)!, windowOpens: state.windowOpens,
                                           dueBy: state.dueBy, lastPassed: state.lastPassed))))
    }

    func queryHealthCheckEligibility(_ input: Operations.QueryHealthCheckEligibility.Input) async throws -> Operations.QueryHealthCheckEligibility.Output {
        guard let deviceID = AuthenticatedKiosk.deviceID else { return .unauthorized(.init(body: .json(Self.unsigned))) }
        guard case .json(let query) = input.body else { return .badRequest(.init(body: .json(Self.problem("bad_body", "Expected JSON.")))) }
        guard let card = Self.card(query.citizenId, query.cardNumber) else { return .badRequest(.init(body: .json(Self.badCard(query.cardNumber)))) }
        let eligibility: HealthCheckEligibility?
        do {
            eligibility = try await store.healthCheckEligibility(card, actor: deviceID, now: Date())
        } catch {
            return .serviceUnavailable(.init(body: .json(serviceUnavailable(error))))
        }
        logQuery("health_check.query", card, found: eligibility != nil, deviceID)
        guard let eligibility else { return .notFound(.init(body: .json(Self.noSuchHolder))) }
        return .ok(.init(body: .json(.init(eligible: eligibility.eligible, reason: .init(rawValue: eligibility.reason.rawValue)!,
                                           cohortYear: Int32(eligibility.cohortYear), lastCheck: eligibility.lastCheck,
                                           booking: eligibility.booking.map(Self.booking)))))
    }

    func listHospitals(_ input: Operations.ListHospitals.Input) async throws -> Operations.ListHospitals.Output {
        guard AuthenticatedKiosk.deviceID != nil else { return .unauthorized(.init(body: .json(Self.unsigned))) }
        if let office = input.query.office, office.unicodeScalars.count > 64 {
            return .badRequest(.init(body: .json(Self.problem("bad_query", "office must be at most 64 characters."))))
        }
        do {
            let hospitals = try await store.hospitals(office: input.query.office)
            return .ok(.init(body: .json(.init(hospitals: hospitals.map { .init(id: $0.id, name: $0.name, address: $0.address, office: $0.office) }))))
        } catch {
            return .serviceUnavailable(.init(body: .json(serviceUnavailable(error))))
        }
    }

    func listHealthCheckSlots(_ input: Operations.ListHealthCheckSlots.Input) async throws -> Operations.ListHealthCheckSlots.Output {
        guard AuthenticatedKiosk.deviceID != nil else { return .unauthorized(.init(body: .json(Self.unsigned))) }
        let days = Int(input.query.days ?? 14)
        guard input.path.hospitalId.unicodeScalars.count <= 64 else {
            return .badRequest(.init(body: .json(Self.problem("bad_request", "hospital_id must be at most 64 characters."))))
        }
        guard let from = ChinaDay.parse(input.query.from), (1...31).contains(days) else {
            return .badRequest(.init(body: .json(Self.problem("bad_query", "from must be a date YYYY-MM-DD and days within 1…31."))))
        }
        let through = ChinaDay.adding(days: days - 1, to: from)
        do {
            let slots = try await store.healthCheckSlots(hospitalID: input.path.hospitalId, from: from.description, through: through.description)
            return .ok(.init(body: .json(.init(slots: slots.map {
                .init(id: $0.id, hospitalId: $0.hospitalID, date: $0.day, starts: $0.starts, ends: $0.ends,
                      capacity: Int32($0.capacity), remaining: Int32($0.remaining))
            }))))
        } catch {
            return .serviceUnavailable(.init(body: .json(serviceUnavailable(error))))
        }
    }

    func bookHealthCheck(_ input: Operations.BookHealthCheck.Input) async throws -> Operations.BookHealthCheck.Output {
        guard let deviceID = AuthenticatedKiosk.deviceID else { return .unauthorized(.init(body: .json(Self.unsigned))) }
        guard case .json(let request) = input.body else { return .badRequest(.init(body: .json(Self.problem("bad_body", "Expected JSON.")))) }
        guard let card = Self.card(request.citizenId, request.cardNumber) else { return .badRequest(.init(body: .json(Self.badCard(request.cardNumber)))) }
        guard request.slotId >= 1 else { return .badRequest(.init(body: .json(Self.problem("bad_request", "slot_id must be ≥ 1.")))) }
        let result: Result<HealthCheckBooking, BookingRefusal>
        do {
            result = try await store.bookHealthCheck(card, slotID: request.slotId, actor: deviceID, now: Date())
        } catch {
            return .serviceUnavailable(.init(body: .json(serviceUnavailable(error))))
        }
        switch result {
        case .success(let booking):
            logger.info("health check booked", metadata: ["device.id": "\(deviceID)", "citizen.id": "\(Redaction.maskCitizenID(card.citizenID))"])
            return .created(.init(body: .json(Self.booking(booking))))
        case .failure(let refusal):
            logger.info("health check booking refused", metadata: ["device.id": "\(deviceID)", "reason": "\(refusal.rawValue)"])
            switch refusal {
            case .unknownPerson, .unknownSlot, .unknownBooking:
                return .notFound(.init(body: .json(Self.problem(refusal.rawValue, Self.message(refusal)))))
            case .slotFull, .slotPast, .notEligible, .alreadyBooked, .alreadyCancelled:
                return .conflict(.init(body: .json(Self.problem(refusal.rawValue, Self.message(refusal)))))
            }
        }
    }

    func cancelHealthCheck(_ input: Operations.CancelHealthCheck.Input) async throws -> Operations.CancelHealthCheck.Output {
        guard let deviceID = AuthenticatedKiosk.deviceID else { return .unauthorized(.init(body: .json(Self.unsigned))) }
        guard case .json(let request) = input.body else { return .badRequest(.init(body: .json(Self.problem("bad_body", "Expected JSON.")))) }
        guard input.path.reference.unicodeScalars.count <= 32 else {
            return .badRequest(.init(body: .json(Self.problem("bad_request", "A booking reference has at most 32 characters."))))
        }
        guard let card = Self.card(request.citizenId, request.cardNumber) else { return .badRequest(.init(body: .json(Self.badCard(request.cardNumber)))) }
        let result: Result<HealthCheckBooking, BookingRefusal>
        do {
            result = try await store.cancelHealthCheck(reference: input.path.reference, card, actor: deviceID, now: Date())
        } catch {
            return .serviceUnavailable(.init(body: .json(serviceUnavailable(error))))
        }
        switch result {
        case .success(let booking):
            return .ok(.init(body: .json(Self.booking(booking))))
        case .failure(let refusal):
            switch refusal {
            case .unknownPerson, .unknownSlot, .unknownBooking:
                return .notFound(.init(body: .json(Self.problem(BookingRefusal.unknownBooking.rawValue, Self.message(.unknownBooking)))))
            case .slotFull, .slotPast, .notEligible, .alreadyBooked, .alreadyCancelled:
                return .conflict(.init(body: .json(Self.problem(refusal.rawValue, Self.message(refusal)))))
            }
        }
    }

    // MARK: Helpers

    static let unsigned = problem("missing_signature", "Kiosk requests must be signed.")
    static let noSuchHolder = problem("unknown_card_holder", "No person holds a card with this citizen ID and card number; the citizen asks at the counter.")
    static let badCitizenID = problem("bad_citizen_id", "citizen_id is not a valid 18-character resident ID (GB 11643 check character); the card reading is wrong.")

    /// Both identifiers, the ID validated (check character) so that a misread card is a 400.
    /// Lengths count code points, as JSON Schema's `maxLength` does.
    static func card(_ citizenID: String, _ cardNumber: String) -> CardIdentity? {
        guard let id = try? CitizenID(citizenID), (1...20).contains(cardNumber.unicodeScalars.count) else { return nil }
        return CardIdentity(citizenID: id.value, cardNumber: cardNumber)
    }

    /// Why ``card(_:_:)`` refused: the card number's length, else the citizen ID.
    static func badCard(_ cardNumber: String) -> Components.Schemas.Problem {
        (1...20).contains(cardNumber.unicodeScalars.count) ? badCitizenID : problem("bad_request", "card_number must be 1 to 20 characters.")
    }

    static func booking(_ booking: HealthCheckBooking) -> Components.Schemas.HealthCheckBooking {
        .init(reference: booking.reference, hospitalId: booking.hospitalID, hospitalName: booking.hospitalName, date: booking.day,
              starts: booking.starts, ends: booking.ends, status: booking.status == "booked" ? .booked : .cancelled)
    }

    static func message(_ refusal: BookingRefusal) -> String {
        switch refusal {
        case .unknownPerson: return "No person holds a card with this citizen ID and card number."
        case .unknownSlot: return "No such slot; reload the hospital's slots."
        case .slotFull: return "This slot has no place left; the citizen picks another one."
        case .slotPast: return "This day has passed."
        case .notEligible: return "The card holder is not due for a health check this year."
        case .alreadyBooked: return "The card holder already has a booking this year; cancel it first to change it."
        case .unknownBooking: return "No such booking of this card holder."
        case .alreadyCancelled: return "This booking is already cancelled."
        }
    }

    func logQuery(_ action: String, _ card: CardIdentity, found: Bool, _ deviceID: String) {
        logger.info("card holder query", metadata: [
            "action": "\(action)", "device.id": "\(deviceID)", "citizen.id": "\(Redaction.maskCitizenID(card.citizenID))", "found": "\(found)",
        ])
    }

    func serviceUnavailable(_ error: HubStoreError) -> Components.Schemas.Problem {
        logger.error("database unavailable", metadata: ["error": "\(error)"])
        return Self.problem("database_unavailable", "The hub's database is unavailable; nothing changed. Retry later.")
    }
}
