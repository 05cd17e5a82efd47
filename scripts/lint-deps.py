#!/usr/bin/env python3
"""Fails when a pure core target depends, directly or through other targets, on an adapter.

The pure targets (ARCHITECTURE.md, "Pure core vs adapters") must never reach Scenario (files, YAML),
Results (SQLite), Yams or GRDB. The target graph comes from `swift package describe --type json`
(or from a file of its output given as the only argument, for testing the check itself).
"""
import json
import subprocess
import sys
from pathlib import Path

# Every pure target; those marked optional may not exist yet (the Cluster split of Network).
PURE = ["DiscreteEvent", "Stochastic", "Ledger", "MarketModel", "Contracts", "Consensus", "Network", "Market"]
OPTIONAL_PURE = ["Cluster"]
# What no pure target may reach: targets of this package and products of other packages.
FORBIDDEN_TARGETS = {"Scenario", "Results"}
FORBIDDEN_PRODUCTS = {"Yams", "GRDB"}


def describe(argv):
    if len(argv) > 1:
        return json.loads(Path(argv[1]).read_text())
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        ["swift", "package", "describe", "--type", "json"], cwd=root, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


def forbidden_paths(name, targets):
    """Every path (list of names) from target `name` to a forbidden target or product, depth first, in
    declaration order; each target is expanded once."""
    found = []
    seen = set()

    def walk(path):
        current = targets[path[-1]]
        for product in current.get("product_dependencies", []):
            if product in FORBIDDEN_PRODUCTS:
                found.append(path + [product + " (product)"])
        for dep in current.get("target_dependencies", []):
            if dep in FORBIDDEN_TARGETS:
                found.append(path + [dep])
            elif dep in targets and dep not in seen:
                seen.add(dep)
                walk(path + [dep])

    seen.add(name)
    walk([name])
    return found


def main(argv):
    package = describe(argv)
    targets = {t["name"]: t for t in package["targets"]}
    problems = []
    checked = 0
    for name in PURE + OPTIONAL_PURE:
        if name not in targets:
            if name in PURE:
                problems.append(f"pure target {name} is not in the package (renamed? update {Path(__file__).name})")
            continue
        checked += 1
        for path in forbidden_paths(name, targets):
            problems.append(" -> ".join(path))
    if problems:
        print("lint-deps: pure core targets must not depend on Scenario, Results, Yams or GRDB:", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 1
    print(f"lint-deps: {checked} pure targets reach none of Scenario, Results, Yams, GRDB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
