import CertificateVerification
import HubAPI
import HubClient
import KioskCore
import KioskSession

/// The card holder's insurance records from the hub (`POST /v1/people/records`), every page,
/// as the certificate's `InsuranceRecord`s.
enum HubRecords {
    static let pageSize: Int32 = 100
    /// Enough for a lifetime of periods; a hub answering more pages than this is refused.
    static let maximumPages = 20

    static func fetch(_ connection: HubConnection, holder: CardHolder, asOf: YearMonth = Today.yearMonth()) async -> RecordsAnswer {
        var summary: [Components.Schemas.InsuranceSummary] = []
        var periods: [Components.Schemas.InsurancePeriod] = []
        var page: Int32 = 1
        do {
            while page <= maximumPages {
                let query = Components.Schemas.RecordsQuery(citizenId: holder.citizenID.value, cardNumber: holder.card.cardNumber,
                                                            page: page, pageSize: pageSize)
                switch try await connection.client.queryInsuranceRecords(body: .json(query)) {
                case .ok(let ok):
                    let body = try ok.body.json
                    summary = body.summary
                    periods += body.periods
                    if periods.count >= Int(body.totalPeriods) || body.periods.isEmpty {
                        return records(summary: summary, periods: periods, asOf: asOf)
                    }
                    page += 1
                case .notFound:
                    return .failed(.notFound)
                case .serviceUnavailable:
                    return .failed(.offline)
                case .badRequest, .unauthorized:
                    return .failed(.failed("refused"))
                case .undocumented(let status, _):
                    return .failed(status >= 500 ? .offline : .failed("status \(status)"))
                }
            }
            return .failed(.failed("too many pages"))
        } catch {
            // No connection, a timeout, or an answer that does not decode: the hub is not usable now.
            return .failed(.offline)
        }
    }

    /// One record per insurance type in the summary, with its periods. Periods still running end
    /// at `asOf`. A summary or period the kiosk cannot read is a hub fault, not silently dropped.
    static func records(summary: [Components.Schemas.InsuranceSummary], periods: [Components.Schemas.InsurancePeriod],
                        asOf: YearMonth) -> RecordsAnswer {
        var records: [InsuranceRecord] = []
        for entry in summary {
            guard let type = InsuranceType(rawValue: entry._type), let status = contributionStatus(entry.status),
                  let first = yearMonth(entry.firstInsured)
            else { return .failed(.failed("unreadable summary")) }
            var contributions: [ContributionPeriod] = []
            for period in periods where period._type == entry._type {
                guard let from = yearMonth(period.from) else { return .failed(.failed("unreadable period")) }
                let through = period.through.flatMap(yearMonth) ?? max(from, asOf)
                guard from <= through, period.months >= 0 else { return .failed(.failed("unreadable period")) }
                contributions.append(ContributionPeriod(from: from, through: through, months: Int(period.months), employer: period.employer))
            }
            contributions.sort { $0.from < $1.from }
            let current = entry.currentSince.flatMap(yearMonth) ?? contributions.last?.from ?? first
            records.append(InsuranceRecord(type: type, status: status, firstInsured: CalendarDate(year: first.year, month: first.month, day: 1),
                                           currentInsuredSince: CalendarDate(year: current.year, month: current.month, day: 1),
                                           periods: contributions))
        }
        return .records(records, asOf: asOf)
    }

    /// AAC031 as a code ("1") or as its name ("参保缴费").
    static func contributionStatus(_ text: String) -> ContributionStatus? {
        ContributionStatus(rawValue: text) ?? [ContributionStatus.contributing, .suspended, .terminated].first { $0.chineseName == text }
    }

    /// `2019-07` → 2019.07.
    static func yearMonth(_ text: String) -> YearMonth? {
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let year = Int(parts[0]), let month = Int(parts[1]),
              (1900...2200).contains(year), (1...12).contains(month) else { return nil }
        return YearMonth(year: year, month: month)
    }
}
