#!/usr/bin/env bash
# Fails when the deterministic core reads a wall clock, ambient entropy, the environment or files.
# The core targets are pure (ARCHITECTURE.md); adapters (Results, Scenario, Studies, Replay, LoadTest, Reporting,
# Benchmarks, readchain) may do I/O.
set -euo pipefail
cd "$(dirname "$0")/.."
core=()
for d in DiscreteEvent Stochastic Ledger MarketModel Contracts Consensus Market Network Cluster Analysis; do
    [ -d "Sources/$d" ] && core+=("Sources/$d")
done
pattern='Date\(\)|SystemRandomNumberGenerator|\.random\(|\.shuffled\(\)|ContinuousClock|SuspendingClock|DispatchTime\.now|ProcessInfo|FileManager|Task\.sleep|gettimeofday|clock_gettime|arc4random|getenv'
if hits=$(grep -rn -E "$pattern" "${core[@]}" | grep -v -E '^\S+:[0-9]+:\s*///?'); then
    echo "lint-core: ambient effects in the deterministic core (inject them instead):" >&2
    echo "$hits" >&2
    exit 1
fi
echo "lint-core: ${#core[@]} core targets clean"
