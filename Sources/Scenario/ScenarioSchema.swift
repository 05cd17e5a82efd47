import Yams

/// The keys of each part of a scenario file: one list per mapping, shared by the loader and by
/// the test that keeps `Scenarios/schema/readchain-scenario.schema.json` in step with it.
enum ScenarioSchema {
    /// Values of `schema:` this loader reads.
    static let supportedSchemas = ["readchain/v1"]

    /// Keys every kind has at the top level, besides its own section.
    static let commonFields: [FieldSpec] = [
        .required("schema"),
        .required("kind"),
        .required("name"),
        .optional("description"),
        .required("seed"),
        .required("replications"),
        .required("horizon"),
        .optional("warmup"),
    ]

    /// The top-level key that holds a kind's own parameters (`queue:` for `kind: queue`).
    static func sectionKey(for kind: ScenarioKind) -> String {
        switch kind {
        case .queue: "queue"
        case .market: "market"
        }
    }

    /// The keys of a kind's section.
    static func sectionFields(for kind: ScenarioKind) -> [FieldSpec] {
        switch kind {
        case .queue: queueFields
        case .market: marketFields
        }
    }

    /// Keys of the `queue:` section.
    static let queueFields: [FieldSpec] = [
        .required("arrival_rate"),
        .required("service_rate"),
        .required("servers"),
    ]

    /// Every key allowed at the top level while the kind is not yet known: the common keys and
    /// every kind's section (each optional here; the kind's own section is checked once known).
    static let topLevelFields: [FieldSpec] =
        commonFields + ScenarioKind.allCases.map { .optional(sectionKey(for: $0)) }

    /// Top-level fields of a scenario of `kind`, with its section required.
    static func topLevelFields(for kind: ScenarioKind) -> [FieldSpec] {
        commonFields + [.required(sectionKey(for: kind))]
    }

    /// Allowed range of `replications`.
    static let replicationRange = 1...100_000

    /// Where a key that is unknown at the top level belongs, if it is a section's key.
    static func homeOfTopLevelKey(_ key: String) -> String? {
        for kind in ScenarioKind.allCases where sectionFields(for: kind).contains(where: { $0.key == key }) {
            return "under '\(sectionKey(for: kind)):'"
        }
        return nil
    }

    /// Where a key that is unknown inside a section belongs, if it is a top-level key.
    static func homeOfSectionKey(_ key: String) -> String? {
        commonFields.contains { $0.key == key } ? "at the top level" : nil
    }

    /// Whether `name` is safe as a file name: `[A-Za-z0-9._-]+`, and not `.` or `..`.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".."
            && name.unicodeScalars.allSatisfy { s in
                s.isASCII
                    && (("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s)
                        || s == "." || s == "_" || s == "-")
            }
    }
}
