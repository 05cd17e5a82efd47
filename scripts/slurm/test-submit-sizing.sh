#!/usr/bin/env bash
# Checks submit-sweep.sh's task sizing without Slurm, with a stand-in sbatch that records its arguments:
# SHARDS=runs submits one array task per run of the sweep (16 for the tiny sweep: 4 points x 2 designs x 2
# replications) and exports SWEEP_SHARDS to match; SHARDS=runs with SWEEP_NO_CHECK=1, and a misspelt SHARDS,
# exit 2 without submitting anything.
# Usage: scripts/slurm/test-submit-sizing.sh [READCHAIN]   (default: .build/release/readchain)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
readchain=$(realpath "${1:-$repo/.build/release/readchain}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/sbatch" <<'SB'
#!/usr/bin/env bash
echo "$*" >>"$(dirname "$0")/calls"
echo $((1000 + $(wc -l <"$(dirname "$0")/calls")))
SB
chmod +x "$tmp/sbatch"
fail() { echo "test-submit-sizing: FAIL: $*" >&2; exit 1; }

SBATCH="$tmp/sbatch" READCHAIN="$readchain" bash "$here/submit-sweep.sh" \
  "$repo/Scenarios/sweeps/tiny-sweep.yaml" "$tmp/out" runs >/dev/null 2>&1 || fail "SHARDS=runs was refused"
[ "$(wc -l <"$tmp/calls")" = 2 ] || fail "expected the array job and the merge job: $(cat "$tmp/calls")"
head -1 "$tmp/calls" | grep -q -- "--array=1-16 " || fail "array not 1-16: $(head -1 "$tmp/calls")"
[ "$(grep -o 'SWEEP_SHARDS=[^,]*' "$tmp/calls" | sort -u)" = SWEEP_SHARDS=16 ] || fail "SWEEP_SHARDS not 16"

rm -f "$tmp/calls"
for bad in "SWEEP_NO_CHECK=1 runs" "SWEEP_NO_CHECK=0 rns"; do
  set +e
  env ${bad% *} SBATCH="$tmp/sbatch" READCHAIN="$readchain" bash "$here/submit-sweep.sh" \
    "$repo/Scenarios/sweeps/tiny-sweep.yaml" "$tmp/out" "${bad#* }" >/dev/null 2>&1
  rc=$?
  set -e
  [ "$rc" = 2 ] || fail "SHARDS='${bad#* }' (${bad% *}) exited $rc, not 2"
  [ ! -e "$tmp/calls" ] || fail "SHARDS='${bad#* }' submitted a job"
done
echo "test-submit-sizing: PASS (SHARDS=runs: 16 tasks for 16 runs; bad SHARDS refused with exit 2)"
