// Defaults of the market parameters that are tables, with their sources.

/// Defaults that are tables rather than single numbers, each with its domain-parameters.md row.
public enum MarketDefaults {
    private static let minute: Int64 = 60_000_000
    private static let hour: Int64 = 3_600_000_000

    /// wRVU per read: XR 0.22 (§2 "wRVU: chest XR 1 view / 2 views"), CT 1.82 (§2 "wRVU: CT A/P ... 74177"),
    /// MR 2.23 (§2 "wRVU: MRI brain without+with contrast"), MG 0.74 (§2 "wRVU: screening mammogram"),
    /// US 0.6, NM 1.0, PET 1.5 **[assumption]**.
    public static let studyWRVU = PerModality<Double> { m in
        switch m {
        case .xr: 0.22
        case .ct: 1.82
        case .mr: 2.23
        case .us: 0.6
        case .mg: 0.74
        case .nm: 1.0
        case .pet: 1.5
        }
    }

    /// Reading and dictation time, lognormal with CV 0.6 **[assumption]**: XR 2 min (§2 "Radiograph case, total
    /// radiologist time"), CT 12 min (§2 "CT reading and dictation time": between the US private-practice
    /// 5–10 min and the academic 16.6 min), MR 11 min (§2 "Brain MRI reading time", attendings), US 6 min,
    /// MG 3 min, NM 10 min, PET 15 min **[assumption]**.
    public static let readingTime = PerModality<ReadingTime> { m in
        let minutes: Int64 =
            switch m {
            case .xr: 2
            case .ct: 12
            case .mr: 11
            case .us: 6
            case .mg: 3
            case .nm: 10
            case .pet: 15
            }
        return ReadingTime(meanTicks: minutes * minute)
    }

    /// Top of §3 "Teleradiology per-read price to client (1-h TAT)": XR 12, CT 40, MR 50, US 28 USD; MG 15,
    /// NM 45, PET 60 USD **[assumption]**. Minor units (cents).
    public static let willingnessToPay = PerModality<UInt64> { m in
        switch m {
        case .xr: 1200
        case .ct: 4000
        case .mr: 5000
        case .us: 2800
        case .mg: 1500
        case .nm: 4500
        case .pet: 6000
        }
    }

    /// Midpoints of §3 "Teleradiology per-read price to client (1-h TAT)": XR 10, CT 35, MR 45, US 25 USD;
    /// MG 12, NM 40, PET 50 USD **[assumption]**.
    public static let intermediaryClientPrices = PerModality<UInt64> { m in
        switch m {
        case .xr: 1000
        case .ct: 3500
        case .mr: 4500
        case .us: 2500
        case .mg: 1200
        case .nm: 4000
        case .pet: 5000
        }
    }

    /// Radiologist list prices: XR 6.00 USD (§3 "Radiologist pay per XR read and intermediary margin", $4–7),
    /// others ~65% of the client-price midpoints **[derived]**: CT 23, MR 29, US 16, MG 8, NM 26, PET 32 USD.
    public static let listPrices = PerModality<UInt64> { m in
        switch m {
        case .xr: 600
        case .ct: 2300
        case .mr: 2900
        case .us: 1600
        case .mg: 800
        case .nm: 2600
        case .pet: 3200
        }
    }

    /// §6 "Emergent (P1) report" (Wait Time Alliance): STAT 1 h, urgent 12 h, routine 4 d.
    public static let turnaroundTicks = PerUrgency<Int64> { u in
        switch u {
        case .stat: hour
        case .urgent: 12 * hour
        case .routine: 96 * hour
        }
    }

    /// Arrival shape by client type. Emergency departments: sinusoid peaking at 17:00 (trough 05:00), amplitude
    /// 0.6, no weekend dip (§1 "Intraday arrival shape (ED)": trough 04:00–06:00, peak midday–evening; §1
    /// "Day-of-week effect"). Hospital systems: peak 13:00, amplitude 0.5, weekends ×0.6; imaging centres: peak
    /// 12:00, amplitude 0.9, weekends ×0.2 (§1 "Day-of-week effect": weekday US 5.6–9.8× the odds of a high day)
    /// **[assumption]** for the amplitudes.
    public static func arrivalProfile(for type: ClientGroup.ClientType) -> ArrivalProfile {
        switch type {
        case .emergencyDepartment: .sinusoidal(peakHour: 17, amplitude: 0.6, weekendFactor: 1)
        case .hospitalSystem: .sinusoidal(peakHour: 13, amplitude: 0.5, weekendFactor: 0.6)
        case .imagingCentre: .sinusoidal(peakHour: 12, amplitude: 0.9, weekendFactor: 0.2)
        }
    }
}
