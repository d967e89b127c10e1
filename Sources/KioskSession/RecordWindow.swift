import CertificateVerification

extension YearMonth {
    /// The month `count` months before this one (0 is this month).
    func monthsBack(_ count: Int) -> YearMonth {
        let index = year * 12 + (month - 1) - count
        return YearMonth(year: index / 12, month: index % 12 + 1)
    }
}

extension InsuranceRecord {
    /// This record with only the contributions inside `period`, ending at `asOf`. A period that
    /// straddles the window's start is cut at the start; its paid months can only shrink (the hub
    /// gives a count per period, not which months were missed, so a cut period keeps at most the
    /// months the window holds).
    public func narrowed(to period: RecordPeriod, asOf: YearMonth) -> InsuranceRecord {
        guard let months = period.months else { return self }
        let start = asOf.monthsBack(months - 1)
        let kept: [ContributionPeriod] = periods.compactMap { contribution in
            let from = max(contribution.from, start)
            let through = min(contribution.through, asOf)
            guard from <= through else { return nil }
            if from == contribution.from && through == contribution.through { return contribution }
            return ContributionPeriod(from: from, through: through, months: min(contribution.months, from.monthsThrough(through)),
                                      employer: contribution.employer)
        }
        return InsuranceRecord(type: type, status: status, firstInsured: firstInsured, currentInsuredSince: currentInsuredSince,
                               periods: kept)
    }
}
