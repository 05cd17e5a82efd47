// swift-tools-version: 6.1
// ReadChain: a discrete-event simulator of a decentralised teleradiology market on a BFT chain.
// Layers and targets: ARCHITECTURE.md.

import PackageDescription

// Release builds optimise across modules (`-cross-module-optimization`): the chain's generic types
// (`ChainCluster<App, External>`, `ChainNode<App>`) are then specialised for the market's application where the
// market uses them, instead of running unspecialised with a metadata look-up and a witness-table call per step
// (issue 16: about 20% of a simulated-signature market run). `make run`'s release build also drops the runtime
// exclusivity checks (about 4% of that run, `swift_beginAccess`); test builds (READCHAIN_TEST_BUILD, `make test`)
// keep them, so every test still traps on an overlapping access. Neither changes a result (bench/README.md).
let releaseOptimisation: [SwiftSetting] =
    Context.environment["READCHAIN_TEST_BUILD"] == nil
    ? [.unsafeFlags(["-cross-module-optimization", "-enforce-exclusivity=unchecked"], .when(configuration: .release))]
    : [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]

let strict: [SwiftSetting] =
    [
        .swiftLanguageMode(.v6),
        .enableUpcomingFeature("ExistentialAny"),
    ] + releaseOptimisation

// NC-2's deliberate consensus bugs (`ConsensusMutations`) are compiled only into test builds: `make test` and
// `make soak` set READCHAIN_TEST_BUILD (in their own scratch path, .build/test); production builds have no knobs.
let mutationKnobs: [SwiftSetting] =
    Context.environment["READCHAIN_TEST_BUILD"] == nil ? [] : [.define("CONSENSUS_MUTATIONS")]

let package = Package(
    name: "ReadChain",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "readchain", targets: ["readchain"]),
        .library(name: "Stochastic", targets: ["Stochastic"]),
        .library(name: "DiscreteEvent", targets: ["DiscreteEvent"]),
        .library(name: "Results", targets: ["Results"]),
        .library(name: "Scenario", targets: ["Scenario"]),
        .library(name: "Analysis", targets: ["Analysis"]),
        .library(name: "Studies", targets: ["Studies"]),
        .library(name: "Replay", targets: ["Replay"]),
        .library(name: "LoadTest", targets: ["LoadTest"]),
        .library(name: "Reporting", targets: ["Reporting"]),
        .library(name: "Benchmarks", targets: ["Benchmarks"]),
        .library(name: "Ledger", targets: ["Ledger"]),
        .library(name: "Contracts", targets: ["Contracts"]),
        .library(name: "Consensus", targets: ["Consensus"]),
        .library(name: "Network", targets: ["Network"]),
        .library(name: "Cluster", targets: ["Cluster"]),
        .library(name: "Market", targets: ["Market"]),
        .library(name: "MarketModel", targets: ["MarketModel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // GSL, from Debian's libgsl-dev. shim.h exposes the few GSL globals Swift cannot see.
        .systemLibrary(
            name: "CGSL",
            pkgConfig: "gsl",
            providers: [.apt(["libgsl-dev"])]
        ),
        .target(
            name: "Stochastic",
            dependencies: ["CGSL"],
            swiftSettings: strict
        ),
        .target(
            name: "DiscreteEvent",
            dependencies: [
                "CGSL",
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Results",
            dependencies: [
                "MarketModel", "Analysis",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // The market's vocabulary (modality, urgency, read outcome, study status, review score) and parameters
        // (clients, cohorts, designs, chain, defaults with their sources). Pure; Scenario fills it from YAML.
        .target(
            name: "MarketModel",
            swiftSettings: strict
        ),
        // Scenario files (YAML via Yams) -> validated ScenarioFile (a MarketParameters for `kind: market`).
        .target(
            name: "Scenario",
            dependencies: [
                "Stochastic", "Analysis",
                "MarketModel",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // The chain: types, encoding, state, mempool, the ABCI-shaped application boundary. Pure.
        .target(
            name: "Ledger",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strict
        ),
        // The teleradiology market's on-chain rules, as a ChainApplication. Pure.
        .target(
            name: "Contracts",
            dependencies: ["Ledger", "MarketModel"],
            swiftSettings: strict
        ),
        // Tendermint (Buchman, Kwon, Milosevic 2018, Algorithm 1) as a pure state machine. Pure.
        .target(
            name: "Consensus",
            dependencies: ["Ledger"],
            swiftSettings: strict + mutationKnobs
        ),
        // Message delivery on the simulated clock: latency, bandwidth, loss, duplication, partitions, crashes,
        // clock skew, CPU cost. Pure.
        .target(
            name: "Network",
            dependencies: ["DiscreteEvent", "Stochastic", "Ledger"],
            swiftSettings: strict
        ),
        // The nodes and clusters that run consensus over the network: ChainNode, BlockStore, ChainCluster,
        // Oracle, LogApplication. Pure.
        .target(
            name: "Cluster",
            dependencies: [
                "Network", "DiscreteEvent", "Stochastic", "Consensus", "Ledger",
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strict + mutationKnobs
        ),
        // The market's agents and behaviour models (reading time, errors, fatigue, burnout, attrition,
        // pricing, routing, AI second reader), and the world that runs them on the in-process chain. Pure.
        .target(
            name: "Market",
            dependencies: [
                "DiscreteEvent", "Stochastic", "MarketModel", "Ledger", "Contracts", "Consensus", "Network", "Cluster",
                "Analysis",
            ],
            swiftSettings: strict
        ),
        // Output analysis: paired comparisons, MSER-5 warm-up detection, Erlang C. Pure.
        .target(
            name: "Analysis",
            dependencies: ["DiscreteEvent", "Stochastic"],
            swiftSettings: strict
        ),
        // Running studies: the validation queue and its study, market studies, sweeps, resumable runs (threads
        // and the results database live here).
        .target(
            name: "Studies",
            dependencies: [
                "MarketModel",
                "Analysis", "Market", "Results", "Scenario", "Stochastic", "DiscreteEvent",
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strict
        ),
        // Replay and audit of a stored chain against the stored results.
        .target(
            name: "Replay",
            dependencies: [
                "DiscreteEvent", "MarketModel", "Market", "Results", "Scenario", "Contracts", "Ledger", "Consensus",
                "Cluster",
            ],
            swiftSettings: strict
        ),
        // Load tests of the chain alone (`readchain loadtest`).
        .target(
            name: "LoadTest",
            dependencies: [
                "Studies", "Results", "Scenario", "Stochastic", "DiscreteEvent", "Consensus", "Contracts", "Ledger",
                "Network", "Cluster", "MarketModel",
            ],
            swiftSettings: strict
        ),
        // Comparison of stored market runs, the Markdown report and the plots (of load tests too).
        .target(
            name: "Reporting",
            dependencies: [
                "DiscreteEvent", "MarketModel", "Studies", "Analysis", "Market", "Results", "Scenario", "LoadTest",
            ],
            swiftSettings: strict
        ),
        // Timed benchmarks and their fixtures (adapters: they read a clock; never linked into the core).
        .target(
            name: "Benchmarks",
            dependencies: [
                "LoadTest", "Studies", "Market", "MarketModel", "Cluster", "Contracts", "Ledger", "Results", "Scenario",
                "DiscreteEvent",
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "readchain",
            dependencies: [
                "DiscreteEvent",
                "Studies", "Analysis", "Replay", "LoadTest", "Reporting", "Benchmarks", "Scenario", "Results",
                "Stochastic",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "StochasticTests",
            dependencies: ["Stochastic"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DiscreteEventTests",
            dependencies: [
                "DiscreteEvent",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ResultsTests",
            dependencies: [
                "Stochastic", "Results", "MarketModel", "Analysis", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ScenarioTests",
            dependencies: ["Scenario", "MarketModel"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LedgerTests",
            dependencies: [
                "Stochastic",
                "Ledger",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ContractsTests",
            dependencies: [
                "Stochastic",
                "Contracts", "Ledger", "Benchmarks", "MarketModel",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ConsensusTests",
            dependencies: ["Stochastic", "Consensus", "Ledger"],
            swiftSettings: strict + mutationKnobs
        ),
        .testTarget(
            name: "NetworkTests",
            dependencies: [
                "Network", "Cluster", "Consensus", "Ledger", "Contracts", "DiscreteEvent", "Stochastic",
            ],
            swiftSettings: strict + mutationKnobs
        ),
        .testTarget(
            name: "MarketTests",
            dependencies: [
                "DiscreteEvent",
                "Market", "MarketModel", "Stochastic", "Scenario", "Ledger", "Contracts", "Network",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BenchmarksTests",
            dependencies: ["Benchmarks", "Contracts", "Ledger", "Scenario", "MarketModel"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AnalysisTests",
            dependencies: ["Stochastic", "Analysis", "Reporting", "DiscreteEvent"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "StudiesTests",
            dependencies: [
                "Studies", "Analysis", "Replay", "Market", "MarketModel", "Results", "Scenario", "DiscreteEvent",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ReplayTests",
            dependencies: [
                "Replay", "Studies", "Results", "Scenario", "Consensus", "Contracts", "Ledger", "Market", "MarketModel",
                "DiscreteEvent", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LoadTestTests",
            dependencies: ["LoadTest", "DiscreteEvent"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ReportingTests",
            dependencies: [
                "Analysis", "DiscreteEvent", "MarketModel", "Reporting", "Studies", "Market", "Results", "Scenario",
            ],
            swiftSettings: strict
        ),
        // The short, seeded mutational fuzz run of the decoders and the scenario loader (the long libFuzzer run is
        // the separate package in fuzz/).
        .testTarget(
            name: "FuzzTests",
            dependencies: ["Scenario", "Ledger", "Contracts", "Consensus"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ReadChainCLITests",
            dependencies: ["readchain", "Results", "Analysis", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
    ]
)
