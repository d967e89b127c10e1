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
        guard let connection = hub else { return .failed(.offline) }
        do {
            try journal.admitNewService()
        } catch {
            return .failed(.failed("journal"))
        }
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
