// The short fuzz run of `make test`: every target, a fixed seed, a fixed number of mutated inputs.
//
// FUZZ_ITERATIONS=n sets the executions per target (default: `defaultIterations`), FUZZ_SEED=n the seed, and
// FUZZ_TARGETS="scenario block" limits the run to those targets. A trap ends the test process before it can say
// which input did it: rerun with FUZZ_LAST_INPUT=dir, and dir/<target> holds the input that trapped.
// The long, coverage-guided run is libFuzzer's, under `make fuzz` (fuzz/README.md).

import Foundation
import Testing

@Suite("Mutational fuzzing")
struct MutationalFuzzTests {
    /// Executions per target in `make test`: a few seconds each in a debug build (fuzz/README.md).
    static let defaultIterations: [FuzzTarget: Int] = [
        .scenario: 1_500, .transaction: 20_000, .block: 5_000, .message: 20_000, .consensus: 20_000, .ledger: 20_000,
    ]

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static func iterations(_ target: FuzzTarget) -> Int {
        environment["FUZZ_ITERATIONS"].flatMap(Int.init) ?? defaultIterations[target]!
    }

    static var seed: UInt64 { environment["FUZZ_SEED"].flatMap(UInt64.init) ?? 0x5EED_F022 }

    @Test("a fixed number of mutated inputs breaks no property", arguments: FuzzTarget.allCases)
    func fuzz(_ target: FuzzTarget) throws {
        if let only = Self.environment["FUZZ_TARGETS"], !only.split(separator: " ").contains(Substring(target.rawValue))
        {
            return
        }
        let corpus = target == .scenario ? ScenarioSeeds.files.map(\.bytes) : FuzzSeeds.binary(for: target)
        try #require(!corpus.isEmpty)
        // The seeds themselves are valid encodings (or clean scenarios, bar the two broken examples).
        for (i, input) in corpus.enumerated() {
            let outcome = try target.run(input)
            if target != .scenario { #expect(outcome == .accepted, "seed \(i) of \(target) is rejected") }
        }
        var mutator = Mutator(
            seed: Self.seed ^ UInt64(target.rawValue.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) }),
            dictionary: target == .scenario ? ScenarioSeeds.dictionary : [], isText: target == .scenario,
            maxLength: target == .scenario ? 1 << 15 : 1 << 13)
        // Accepted mutants join the pool: a crude stand-in for coverage feedback that keeps inputs deep.
        var pool = corpus
        var accepted = 0
        let n = Self.iterations(target)
        let clock = ContinuousClock()
        let start = clock.now
        let lastInput = Self.environment["FUZZ_LAST_INPUT"].map { "\($0)/\(target.rawValue)" }
        for _ in 0..<n {
            let input = mutator.mutate(pool[mutator.int(pool.count)], other: pool[mutator.int(pool.count)])
            if let lastInput { FileManager.default.createFile(atPath: lastInput, contents: Data(input)) }
            let outcome: FuzzOutcome
            do {
                outcome = try target.run(input)
            } catch {
                Issue.record("\(error)\ninput (\(input.count) bytes): \(hex(input))")
                return
            }
            if outcome == .accepted {
                accepted += 1
                if pool.count < 512 {
                    pool.append(input)
                } else {
                    pool[corpus.count + mutator.int(512 - corpus.count)] = input
                }
            }
        }
        let elapsed = clock.now - start
        print(
            "fuzz \(target.rawValue): \(n) executions (\(accepted) accepted, \(n - accepted) rejected), seed "
                + "\(Self.seed), \(corpus.count) seeds, \(elapsed.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 2))))"
        )
    }
}

/// Lower-case hex.
func hex(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

/// Bytes from hex (regression inputs).
func bytes(hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var i = hex.startIndex
    while i < hex.endIndex {
        let j = hex.index(i, offsetBy: 2)
        out.append(UInt8(hex[i..<j], radix: 16)!)
        i = j
    }
    return out
}

/// The scenario files of the repository, and words taken from them for the mutator's dictionary.
enum ScenarioSeeds {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scenarios")

    static let files: [(name: String, bytes: [UInt8])] = {
        let folders = ["", "validation", "designs"]
        return folders.flatMap { folder -> [(String, [UInt8])] in
            let dir = folder.isEmpty ? root : root.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            return names.filter { $0.hasSuffix(".yaml") }.sorted().compactMap { name in
                guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) else {
                    return nil
                }
                return (folder.isEmpty ? name : "\(folder)/\(name)", [UInt8](data))
            }
        }
    }()

    static let dictionary: [[UInt8]] = {
        var words = Set<String>()
        for file in files {
            for word in String(decoding: file.bytes, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
            where word.count <= 40 {
                words.insert(String(word))
            }
        }
        let syntax = [
            ": ", "- ", "\n", "  ", "{", "}", "[", "]", ",", "&a ", "*a", "<<: *a", "!!str ", "!!binary ", "? ", "|",
            ">", "#", "\t", "~", "null", "\"", "'", "\\u0000", "---\n", "...\n", "%YAML 1.1\n", "0", "-1", "1e999",
            "-0", ".inf", ".nan", "1e-999", "99999999999999999999", "18446744073709551616", "9223372036854775807",
            "0.0000001 s", "1e30 h", "-5 min", "1e6 /s", "0 per h", "1.5 w", "true", "yes", "\u{FEFF}", "\r\n",
        ]
        // Sorted: Set order changes from process to process, and the run must not.
        return (words.sorted() + syntax).map { Array($0.utf8) }
    }()
}
