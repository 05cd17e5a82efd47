// swift-tools-version: 6.1
// libFuzzer drivers for ReadChain's decoders and scenario loader (fuzz/README.md). Build through fuzz/run.sh, which
// passes `-sanitize=fuzzer` to every Swift module so the decoders themselves carry coverage counters; this package
// is separate so that ReadChain's own Package.swift stays free of sanitizer flags.

import PackageDescription

let package = Package(
    name: "ReadChainFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "ReadChain", path: "..")],
    targets: [
        // The targets and seeds, shared with Tests/FuzzTests (Sources/FuzzHarness is a link to its Harness folder).
        .target(
            name: "FuzzHarness",
            dependencies: [
                .product(name: "Scenario", package: "ReadChain"),
                .product(name: "Ledger", package: "ReadChain"),
                .product(name: "Contracts", package: "ReadChain"),
                .product(name: "Consensus", package: "ReadChain"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        // One binary; FUZZ_TARGET picks the target (libFuzzer's `main` comes from -sanitize=fuzzer).
        .executableTarget(
            name: "readchain-fuzz",
            dependencies: ["FuzzHarness"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
