import CertificateVerification
import Foundation
import HubAPI
import HubClient
import Journal
import KioskCore
import KioskSession
import Logging
import ReceiptPrinting

/// The retiree health check booking on the real kiosk: eligibility, hospitals and slots from
/// the hub, the booking itself (the hub's conditional update never overbooks), the slip on the
/// receipt printer, and the fact in the journal.
extension KioskSessionEffects {
    func bookingOptions(for holder: CardHolder) async -> BookingOptionsAnswer {
        let answer = await onlineBookingOptions(for: holder)
        switch answer {
        case .hospitals(let hospitals):
            BookingCache(journal: journal).saveHospitals(hospitals)
        case .failed(.offline):
            // The hub is away: book from what the kiosk last heard; the hub decides later.
            if let hospitals = BookingCache(journal: journal).hospitals(), !hospitals.isEmpty {
                logger.info("booking from the kiosk's cache", metadata: ["hospitals": "\(hospitals.count)"])
                return .offlineHospitals(hospitals)
            }
        default:
            break
        }
        return answer
    }

    private func onlineBookingOptions(for holder: CardHolder) async -> BookingOptionsAnswer {
        guard let connection = hub else { return .failed(.offline) }
        do {
            let query = Components.Schemas.CardHolderQuery(citizenId: holder.citizenID.value, cardNumber: holder.card.cardNumber)
            switch try await connection.client.queryHealthCheckEligibility(body: .json(query)) {
            case .ok(let ok):
                let eligibility = try ok.body.json
                guard eligibility.eligible else {
                    return .notEligible(NotEligibleReason(rawValue: eligibility.reason.rawValue) ?? .notRetired)
                }
            case .notFound: return .failed(.notFound)
            case .serviceUnavailable: return .failed(.offline)
            case .badRequest, .unauthorized: return .failed(.failed("refused"))
            case .undocumented(let status, _): return .failed(status >= 500 ? .offline : .failed("status \(status)"))
            }
            switch try await connection.client.listHospitals(query: .init()) {
            case .ok(let ok):
                return .hospitals(try ok.body.json.hospitals.map { Hospital(id: $0.id, name: $0.name, address: $0.address) })
            case .serviceUnavailable: return .failed(.offline)
            case .badRequest, .unauthorized: return .failed(.failed("refused"))
            case .undocumented(let status, _): return .failed(status >= 500 ? .offline : .failed("status \(status)"))
            }
        } catch {
            return .failed(.offline)
        }
    }

    func slots(at hospital: Hospital) async -> SlotsAnswer {
        let answer = await onlineSlots(at: hospital)
        let cache = BookingCache(journal: journal)
        switch answer {
        case .slots(let slots):
            cache.saveSlots(slots, hospital: hospital.id)
        case .failed(.offline):
            let today = Today.date().description
            if let slots = cache.slots(hospital: hospital.id) { return .slots(slots.filter { $0.date > today }) }
        default:
            break
        }
        return answer
    }

    private func onlineSlots(at hospital: Hospital) async -> SlotsAnswer {
        guard let connection = hub else { return .failed(.offline) }
        let today = Today.date()
        do {
            switch try await connection.client.listHealthCheckSlots(path: .init(hospitalId: hospital.id),
                                                                    query: .init(from: today.description, days: 14)) {
            case .ok(let ok):
                return .slots(try ok.body.json.slots.map {
                    HealthCheckSlot(id: $0.id, date: $0.date, starts: $0.starts, ends: $0.ends, remaining: Int($0.remaining))
                })
            case .serviceUnavailable: return .failed(.offline)
            case .badRequest, .unauthorized: return .failed(.failed("refused"))
            case .undocumented(let status, _): return .failed(status >= 500 ? .offline : .failed("status \(status)"))
            }
        } catch {
            return .failed(.offline)
        }
    }

    func book(_ slot: HealthCheckSlot, at hospital: Hospital, for holder: CardHolder) async -> BookingOutcome {
        do {
            try journal.admitNewService()
        } catch {
            return .failed(.failed("journal"))
        }
        let outcome = await bookOnline(slot, at: hospital, for: holder)
        guard outcome == .failed(.offline) else { return outcome }
        // Saved for the hub instead: it books when the request arrives, if the person may and the
        // place is free, and sends the result back. A request that did reach the hub just now
        // cannot double the booking: the hub keeps one per person and refuses the second.
        do {
            try journal.record(kind: "booking.requested", payload: [
                "request_id": UUID().uuidString.lowercased(), "citizen_id": holder.citizenID.value,
                "card_number": holder.card.cardNumber, "slot_id": slot.id, "hospital_id": hospital.id,
            ])
        } catch {
            logger.error("booking request not journalled", metadata: ["error": .string("\(error)")])
            return .failed(.failed("journal"))
        }
        logger.info("health check booking saved for the hub", metadata: ["slot": "\(slot.id)"])
        return .savedForLater
    }

    private func bookOnline(_ slot: HealthCheckSlot, at hospital: Hospital, for holder: CardHolder) async -> BookingOutcome {
        guard let connection = hub else { return .failed(.offline) }
        let booking: Components.Schemas.HealthCheckBooking
        do {
            let request = Components.Schemas.BookingRequest(citizenId: holder.citizenID.value, cardNumber: holder.card.cardNumber, slotId: slot.id)
            switch try await connection.client.bookHealthCheck(body: .json(request)) {
            case .created(let created): booking = try created.body.json
            case .conflict(let conflict):
                let problem = try? conflict.body.json
                switch problem?.reason {
                case "not_eligible": return .notEligible(.checkedRecently)
                case "already_booked": return .notEligible(.alreadyBooked)
                default: return .slotFull
                }
            case .notFound: return .failed(.notFound)
            case .serviceUnavailable: return .failed(.offline)
            case .badRequest, .unauthorized: return .failed(.failed("refused"))
            case .undocumented(let status, _): return .failed(status >= 500 ? .offline : .failed("status \(status)"))
            }
        } catch {
            // The booking may or may not have been made: the citizen is told to ask staff (the
            // hub holds one booking per person, so asking again cannot double it).
            return .failed(.offline)
        }
        do {
            try journal.record(kind: "health_check.booked", payload: ["reference": booking.reference, "hospital_id": booking.hospitalId,
                                                                      "slot_id": slot.id])
        } catch {
            logger.error("booking not journalled", metadata: ["reference": .string(booking.reference), "error": .string("\(error)")])
        }
        let slip = HealthCheckBookingSlip(
            bookingNumber: booking.reference, holderName: holder.name, citizenID: holder.citizenID, hospital: booking.hospitalName,
            address: hospital.address, date: Self.calendarDate(booking.date) ?? Today.date(), timeSlot: "\(booking.starts)-\(booking.ends)",
            instructions: ["体检当天请空腹（早上不吃早饭）", "请带社保卡和本预约单", "如需改期，请到街道社保窗口办理"],
            bookedAt: IssueTime(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)))
        let outcome = await printing.printer.print(RenderedDocument(bytes: ESCPOSRenderer(paper: .mm80).render(slip), format: .raw,
                                                                    title: slip.jobTitle))
        logger.info("health check booked", metadata: ["reference": .string(booking.reference), "slip.printed": "\(outcome.isPrinted)"])
        return .booked(reference: booking.reference, slipPrinted: outcome.isPrinted)
    }

    static func calendarDate(_ text: String) -> CalendarDate? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, CalendarDate.isValid(year: parts[0], month: parts[1], day: parts[2]) else { return nil }
        return CalendarDate(year: parts[0], month: parts[1], day: parts[2])
    }
}

/// The hospitals and places the kiosk last heard from the hub, kept in the journal's device
/// settings (no personal data), so a booking can be requested while the hub is away.
struct BookingCache {
    let journal: AppDatabase

    private struct CachedHospital: Codable {
        var id: String, name: String, address: String
    }

    private struct CachedSlot: Codable {
        var id: Int64, date: String, starts: String, ends: String, remaining: Int
    }

    /// Refreshes the cache from the hub every hour (every five minutes while the hub is away),
    /// until cancelled. The lists hold no personal data.
    func keepFresh(from hub: HubConnection, every interval: Duration = .seconds(3600), logger: Logger) async {
        while !Task.isCancelled {
            let fresh = await refresh(from: hub)
            if !fresh { logger.info("booking cache not refreshed", metadata: ["reason": "hub unreachable"]) }
            try? await Task.sleep(for: fresh ? interval : .seconds(300))
        }
    }

    /// Fetches the hospitals and each one's places for the next two weeks; false if the hub did not answer.
    func refresh(from hub: HubConnection) async -> Bool {
        do {
            guard case .ok(let ok) = try await hub.client.listHospitals(query: .init()) else { return false }
            let hospitals = try ok.body.json.hospitals.map { Hospital(id: $0.id, name: $0.name, address: $0.address) }
            saveHospitals(hospitals)
            let today = Today.date().description
            for hospital in hospitals {
                guard case .ok(let slots) = try await hub.client.listHealthCheckSlots(path: .init(hospitalId: hospital.id),
                                                                                    query: .init(from: today, days: 14)) else { continue }
                saveSlots(try slots.body.json.slots.map {
                    HealthCheckSlot(id: $0.id, date: $0.date, starts: $0.starts, ends: $0.ends, remaining: Int($0.remaining))
                }, hospital: hospital.id)
            }
            return true
        } catch {
            return false
        }
    }

    func saveHospitals(_ hospitals: [Hospital]) {
        store("booking.cache.hospitals", hospitals.map { CachedHospital(id: $0.id, name: $0.name, address: $0.address) })
    }

    func hospitals() -> [Hospital]? {
        load("booking.cache.hospitals", as: [CachedHospital].self)?.map { Hospital(id: $0.id, name: $0.name, address: $0.address) }
    }

    func saveSlots(_ slots: [HealthCheckSlot], hospital: String) {
        store("booking.cache.slots." + hospital,
              slots.map { CachedSlot(id: $0.id, date: $0.date, starts: $0.starts, ends: $0.ends, remaining: $0.remaining) })
    }

    func slots(hospital: String) -> [HealthCheckSlot]? {
        load("booking.cache.slots." + hospital, as: [CachedSlot].self)?
            .map { HealthCheckSlot(id: $0.id, date: $0.date, starts: $0.starts, ends: $0.ends, remaining: $0.remaining) }
    }

    private func store(_ name: String, _ value: some Encodable) {
        guard let data = try? JSONEncoder().encode(value) else { return }
        try? journal.setDeviceSetting(name, to: String(decoding: data, as: UTF8.self))
    }

    private func load<Value: Decodable>(_ name: String, as type: Value.Type) -> Value? {
        guard let text = try? journal.deviceSetting(name) else { return nil }
        return try? JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
