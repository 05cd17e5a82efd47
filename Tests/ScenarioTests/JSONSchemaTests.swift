import Foundation
import Testing

@testable import Scenario

/// Keeps Scenarios/schema/readchain-scenario.schema.json and the loader's key lists in step.
@Suite struct JSONSchemaAgreement {
    typealias Object = [String: Any]

    func loadSchema() throws -> Object {
        let data = try Data(
            contentsOf: URL(fileURLWithPath: repoPath("Scenarios/schema/readchain-scenario.schema.json")))
        return try #require(try JSONSerialization.jsonObject(with: data) as? Object)
    }

    /// Follows a local `{"$ref": "#/$defs/name"}`.
    func resolve(_ node: Object, in root: Object) throws -> Object {
        guard let ref = node["$ref"] as? String else { return node }
        let name = try #require(ref.split(separator: "/").last.map(String.init))
        #expect(ref == "#/$defs/\(name)")
        let defs = try #require(root["$defs"] as? Object)
        return try #require(defs[name] as? Object)
    }

    func keys(_ object: Object) -> Set<String> {
        Set(((object["properties"] as? Object) ?? [:]).keys)
    }

    func required(_ object: Object) -> Set<String> {
        Set((object["required"] as? [String]) ?? [])
    }

    /// The `oneOf` branch whose `kind` is `const: kind`.
    func branch(for kind: ScenarioKind, in root: Object) throws -> Object {
        let branches = try #require(root["oneOf"] as? [Object])
        for candidate in branches {
            let resolved = try resolve(candidate, in: root)
            let kindProperty = (resolved["properties"] as? Object)?["kind"] as? Object
            if kindProperty?["const"] as? String == kind.rawValue { return resolved }
        }
        Issue.record("no oneOf branch for kind '\(kind.rawValue)'")
        return [:]
    }

    @Test func isDraft2020_12WithKindDiscriminator() throws {
        let root = try loadSchema()
        #expect(root["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        #expect(root["unevaluatedProperties"] as? Bool == false)
        let properties = try #require(root["properties"] as? Object)
        let kinds = try #require((properties["kind"] as? Object)?["enum"] as? [String])
        #expect(kinds == ScenarioKind.allCases.map(\.rawValue))
        let schemas = try #require((properties["schema"] as? Object)?["enum"] as? [String])
        #expect(schemas == ScenarioLoader.supportedSchemas)
    }

    @Test(arguments: ScenarioKind.allCases)
    func topLevelKeysMatchTheLoader(kind: ScenarioKind) throws {
        let root = try loadSchema()
        let kindBranch = try branch(for: kind, in: root)
        let fields = ScenarioSchema.topLevelFields(for: kind)
        #expect(keys(root).union(keys(kindBranch)) == Set(fields.map(\.key)))
        #expect(required(root).union(required(kindBranch)) == Set(fields.filter(\.required).map(\.key)))
    }

    @Test(arguments: ScenarioKind.allCases)
    func sectionKeysMatchTheLoader(kind: ScenarioKind) throws {
        let root = try loadSchema()
        let kindBranch = try branch(for: kind, in: root)
        let sectionKey = ScenarioSchema.sectionKey(for: kind)
        let sectionRef = try #require((kindBranch["properties"] as? Object)?[sectionKey] as? Object)
        let section = try resolve(sectionRef, in: root)
        let fields = ScenarioSchema.sectionFields(for: kind)
        #expect(keys(section) == Set(fields.map(\.key)))
        #expect(required(section) == Set(fields.filter(\.required).map(\.key)))
        #expect(section["additionalProperties"] as? Bool == false)
    }

    @Test func replicationBoundsMatch() throws {
        let root = try loadSchema()
        let replications = try #require((root["properties"] as? Object)?["replications"] as? Object)
        #expect(replications["minimum"] as? Int == ScenarioSchema.replicationRange.lowerBound)
        #expect(replications["maximum"] as? Int == ScenarioSchema.replicationRange.upperBound)
    }
}

/// The market section's nested mappings: each key list of the loader against its `$defs` entry.
@Suite struct MarketSchemaAgreement {
    @Test(arguments: ScenarioSchema.marketDefinitions.map(\.definition))
    func nestedKeysMatchTheLoader(definition: String) throws {
        let data = try Data(
            contentsOf: URL(fileURLWithPath: repoPath("Scenarios/schema/readchain-scenario.schema.json")))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let defs = try #require(root["$defs"] as? [String: Any])
        let object = try #require(defs[definition] as? [String: Any], "no $defs entry '\(definition)'")
        let fields = try #require(ScenarioSchema.marketDefinitions.first { $0.definition == definition }?.fields)
        let keys = Set(((object["properties"] as? [String: Any]) ?? [:]).keys)
        #expect(keys == Set(fields.map(\.key)))
        #expect(Set((object["required"] as? [String]) ?? []) == Set(fields.filter(\.required).map(\.key)))
        #expect(object["additionalProperties"] as? Bool == false)
    }

    @Test func typeSpecificKeyTablesNameOnlyDeclaredKeys() {
        let tables = [
            (ScenarioSchema.designKeysByType, ScenarioSchema.designFields),
            (ScenarioSchema.latencyKeysByProfile, ScenarioSchema.latencyFields),
            (ScenarioSchema.faultKeysByAction, ScenarioSchema.faultFields),
        ]
        for (table, fields) in tables {
            for key in table.flatMap(\.keys) { #expect(fields.contains { $0.key == key }, "\(key)") }
        }
    }
}
