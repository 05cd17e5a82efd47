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

    /// Medicare's professional component per wRVU, minor units (38.80 USD **[derived]**: domain-parameters.md §3
    /// "Medicare global / professional payment, CT head (70450)", −26 ~$33 over 0.85 wRVU = $38.8, and §3 "Medicare
    /// payment, chest XR 2 views", −26 ~$8.50 over 0.22 wRVU = $38.6). Prices per read are this × the modality's
    /// wRVU, so a read pays for its work whatever the modality; at the §2 60 wRVU a day it gives about $230 an
    /// hour, inside §3 "Radiologist compensation context" ($413–476k a year).
    public static let professionalComponentPerWRVU: UInt64 = 3880

    /// Client willingness to pay: 1.3 × the professional component **[derived]** from §3 "Teleradiology per-read
    /// price to client (1-h TAT)": the top of its XR range ($12) is 1.41 × the XR professional component and of its
    /// US range ($28) 1.2 ×. Its CT ($30–40) and MR ($40–50) quotes fit a head CT (0.85 wRVU, $33) and a plain MR,
    /// not the CT A/P and contrast MR wRVU used here, so they are not used directly. Whole dollars: XR 11, CT 92,
    /// MR 112, US 30, MG 37, NM 50, PET 76 USD.
    public static let willingnessToPay = PerModality<UInt64> { m in
        switch m {
        case .xr: 1100
        case .ct: 9200
        case .mr: 11200
        case .us: 3000
        case .mg: 3700
        case .nm: 5000
        case .pet: 7600
        }
    }

    /// The intermediary's client prices: 1.15 × the professional component **[derived]** from the same row's
    /// midpoints (XR $10 = 1.18 ×, US $25 = 1.07 ×). Whole dollars: XR 10, CT 81, MR 99, US 27, MG 33, NM 45,
    /// PET 67 USD. With the 35% margin the radiologist gets $6.50 of the $10 XR read (§3 "Radiologist pay per XR
    /// read and intermediary margin": $4–7 of $8–12).
    public static let intermediaryClientPrices = PerModality<UInt64> { m in
        switch m {
        case .xr: 1000
        case .ct: 8100
        case .mr: 9900
        case .us: 2700
        case .mg: 3300
        case .nm: 4500
        case .pet: 6700
        }
    }

    /// Radiologist list prices: the professional component (``professionalComponentPerWRVU`` × wRVU), whole
    /// dollars except XR, which is §3's 8.50 USD (71046-26): XR 8.50, CT 71, MR 87, US 23, MG 29, NM 39, PET 58 USD.
    public static let listPrices = PerModality<UInt64> { m in
        switch m {
        case .xr: 850
        case .ct: 7100
        case .mr: 8700
        case .us: 2300
        case .mg: 2900
        case .nm: 3900
        case .pet: 5800
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
