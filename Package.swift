// swift-tools-version: 6.1
// ReadChain: a discrete-event simulator of a decentralised teleradiology market on a BFT chain.
// Layers and targets: ARCHITECTURE.md.

import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

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
        .library(name: "Simulator", targets: ["Simulator"]),
        .library(name: "Ledger", targets: ["Ledger"]),
        .library(name: "Contracts", targets: ["Contracts"]),
        .library(name: "Consensus", targets: ["Consensus"]),
        .library(name: "Network", targets: ["Network"]),
        .library(name: "Market", targets: ["Market"]),
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
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Scenario",
            dependencies: [
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
            dependencies: ["Ledger"],
            swiftSettings: strict
        ),
        // Tendermint (Buchman, Kwon, Milosevic 2018, Algorithm 1) as a pure state machine. Pure.
        .target(
            name: "Consensus",
            dependencies: ["Ledger"],
            swiftSettings: strict + mutationKnobs
        ),
        // Message delivery on the simulated clock (latency, bandwidth, loss, duplication, partitions,
        // crashes, clock skew, CPU cost) and the nodes and clusters that run consensus over it. Pure.
        .target(
            name: "Network",
            dependencies: [
                "DiscreteEvent", "Stochastic", "Consensus", "Ledger",
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strict + mutationKnobs
        ),
        // The market's agents and behaviour models (reading time, errors, fatigue, burnout, attrition,
        // pricing, routing, AI second reader), and the world that runs them on the in-process chain. Pure.
        .target(
            name: "Market",
            dependencies: ["DiscreteEvent", "Stochastic", "Scenario", "Ledger", "Contracts", "Consensus", "Network"],
            swiftSettings: strict
        ),
        // Timed benchmarks of the chain (adapter: reads a clock; never linked into the core).
        .target(
            name: "Benchmarks",
            dependencies: ["Ledger", "Contracts"],
            swiftSettings: strict
        ),
        .target(
            name: "Simulator",
            dependencies: [
                "Stochastic", "DiscreteEvent", "Results", "Scenario", "Network", "Consensus", "Ledger", "Contracts",
                "Market",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "readchain",
            dependencies: [
                "Simulator", "Scenario", "Results", "Stochastic", "DiscreteEvent", "Benchmarks",
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
            dependencies: ["Results", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ScenarioTests",
            dependencies: ["Scenario"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LedgerTests",
            dependencies: [
                "Ledger",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ContractsTests",
            dependencies: [
                "Contracts", "Ledger",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ConsensusTests",
            dependencies: [
                "Consensus", "Ledger",
            ],
            swiftSettings: strict + mutationKnobs
        ),
        .testTarget(
            name: "NetworkTests",
            dependencies: [
                "Network", "Consensus", "Ledger", "Contracts", "DiscreteEvent", "Stochastic",
            ],
            swiftSettings: strict + mutationKnobs
        ),
        .testTarget(
            name: "MarketTests",
            dependencies: [
                "Market", "Stochastic", "Scenario", "DiscreteEvent", "Ledger", "Contracts", "Network",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BenchmarksTests",
            dependencies: ["Benchmarks", "Contracts", "Ledger"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SimulatorTests",
            dependencies: [
                "Simulator", "DiscreteEvent", "Results", "Scenario", "Consensus", "Ledger",
                "Contracts", "Market", .product(name: "GRDB", package: "GRDB.swift"),
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
            dependencies: ["readchain", "Results", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
    ]
)
