#!/usr/bin/env bash
# Kernel benchmark: ReadChain's discrete-event kernel against SimPy 4 on the same M/M/c model
# (lambda=9, mu=1, c=10, 2,000,000 customers). Prints both rates and, last, kernel_vs_simpy=<ratio>.
# Usage: bench/run-kernel-bench.sh <release readchain binary> <python with simpy> [customers]
set -euo pipefail
bin=${1:?readchain binary}
py=${2:?python with simpy}
n=${3:-2000000}
here=$(dirname "$0")
kernel=$("$bin" bench kernel --customers "$n")
echo "$kernel"
simpy=$("$py" "$here/mmc_simpy.py" --customers "$n")
echo "$simpy"
kr=$(sed -n 's/.*rate=\([0-9.]*\).*/\1/p' <<<"$kernel")
sr=$(sed -n 's/.*rate=\([0-9.]*\).*/\1/p' <<<"$simpy")
python3 -c "print(f'kernel_vs_simpy={$kr/$sr:.1f}')"
