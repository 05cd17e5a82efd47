#!/usr/bin/env bash
# Submits a ReadChain sweep to Slurm: an array of N shard tasks (sweep-array.sbatch) and a merge job
# (merge.sbatch) that runs only after every task succeeded. Prints the job ids:
#
#   array_job_id=<id>
#   merge_job_id=<id>
#
# Usage: scripts/slurm/submit-sweep.sh SWEEP OUTDIR SHARDS [extra sbatch args...]
#
#   SWEEP    the sweep file (e.g. Scenarios/sweeps/tiny-sweep.yaml)
#   OUTDIR   output folder on a file system the compute nodes share: shard-K.sqlite, merged.sqlite, logs/
#   SHARDS   N, the number of array tasks (shards), or `runs`: one task per run of the sweep (one point, design
#            and replication each; counted by `readchain sweep --dry-run`), the size a year-long or national
#            sweep wants, since one run is single-threaded and takes the task's whole time
#   extra    passed to both sbatch calls, e.g. --partition=short --account=proj42 --time=02:00:00
#
# Environment:
#   READCHAIN        the readchain binary the jobs run (default: `readchain` on PATH, else this
#                    checkout's .build/release/readchain); must exist at that path on the compute nodes
#   SWEEP_CPUS       CPUs per shard task, passed as --jobs to `readchain sweep` (default 1)
#   SWEEP_TASKS      the array indices to submit (default 1-SHARDS); e.g. SWEEP_TASKS=2,5 to rerun only
#                    failed shards of an earlier submission (the merge job then waits for those only)
#   SWEEP_TAKE_OVER=1 the tasks pass --take-over: redo runs a task on a failed node left 'running' (the
#                    environment reaches the tasks through --export=ALL)
#   SWEEP_MERGED     the merged database (default OUTDIR/merged.sqlite)
#   SBATCH           the sbatch command (default sbatch)
#   SWEEP_NO_CHECK=1 skip checking the sweep file with `readchain sweep --dry-run` on this host first
#                    (for a binary that runs only on the compute nodes)
#
# Resubmitting with the same SWEEP, OUTDIR and SHARDS resumes: each shard skips its completed runs.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}" >&2; exit 64; }
fail() { echo "submit-sweep.sh: error: $*" >&2; exit 2; }

[ $# -ge 3 ] || usage
sweep=$1 outdir=$2 shards=$3
shift 3

[ -f "$sweep" ] && [ -r "$sweep" ] || fail "sweep file '$sweep' does not exist or is not readable"
[[ $shards =~ ^[1-9][0-9]*$ || $shards == runs ]] || fail "SHARDS must be a positive integer or 'runs', got '$shards'"
cpus=${SWEEP_CPUS:-1}
[[ $cpus =~ ^[1-9][0-9]*$ ]] || fail "SWEEP_CPUS must be a positive integer, got '$cpus'"
tasks=${SWEEP_TASKS:-1-$shards} # with SHARDS=runs, set once the runs are counted (below)
[[ -z ${SWEEP_TASKS:-} || $SWEEP_TASKS =~ ^[0-9,-]+$ ]] ||
  fail "SWEEP_TASKS must be an array index list like 1-4 or 2,5, got '$SWEEP_TASKS'"

if [ -n "${READCHAIN:-}" ]; then
  readchain=$READCHAIN
elif command -v readchain >/dev/null 2>&1; then
  readchain=$(command -v readchain)
else
  readchain="$here/../../.build/release/readchain"
fi
[ -x "$readchain" ] || fail "readchain binary '$readchain' is not executable (build it with 'make release' or set READCHAIN)"

if [ "$shards" = runs ] && [ "${SWEEP_NO_CHECK:-0}" = 1 ]; then
  fail "SHARDS=runs counts the sweep's runs with 'readchain sweep --dry-run', which SWEEP_NO_CHECK=1 skips: give a number"
fi
if [ "${SWEEP_NO_CHECK:-0}" != 1 ]; then
  # A bad sweep file fails here, once, rather than in every array task.
  dry=$("$readchain" sweep "$sweep" --dry-run 2>&1) || { echo "$dry" >&2; fail "the sweep file does not load (readchain sweep --dry-run)"; }
  runs=$(sed -n 's/^[0-9]* points, \([0-9]*\) runs;.*/\1/p' <<<"$dry" | tail -n 1)
  if [ "$shards" = runs ]; then
    [[ $runs =~ ^[1-9][0-9]*$ ]] || fail "could not count the sweep's runs from 'readchain sweep --dry-run'"
    shards=$runs
    tasks=${SWEEP_TASKS:-1-$shards}
    echo "submit-sweep.sh: one task per run: $shards tasks" >&2
  fi
  if [[ $runs =~ ^[0-9]+$ ]] && [ "$shards" -gt "$runs" ]; then
    echo "submit-sweep.sh: warning: $shards shards for $runs runs: $((shards - runs)) shards will have nothing to run" >&2
  fi
fi

mkdir -p "$outdir/logs" || fail "cannot create '$outdir/logs'"
sweep=$(realpath "$sweep")
outdir=$(realpath "$outdir")
readchain=$(realpath "$readchain")
merged=${SWEEP_MERGED:-$outdir/merged.sqlite}
case "$merged" in /*) ;; *) merged="$(pwd)/$merged" ;; esac
for v in "$sweep" "$outdir" "$readchain" "$merged"; do
  # sbatch --export splits on commas.
  case "$v" in *,*) fail "paths with commas cannot be exported to Slurm jobs: '$v'" ;; esac
done

sbatch=${SBATCH:-sbatch}
export_vars="ALL,READCHAIN=$readchain,SWEEP_FILE=$sweep,SWEEP_OUTDIR=$outdir,SWEEP_SHARDS=$shards,SWEEP_MERGED=$merged"

array_job=$("$sbatch" --parsable \
  --array="$tasks" \
  --cpus-per-task="$cpus" \
  --output="$outdir/logs/sweep-%A_%a.out" \
  --export="$export_vars" \
  "$@" "$here/sweep-array.sbatch") || fail "sbatch of the array job failed"
array_job=${array_job%%;*} # --parsable prints "id[;cluster]"
[[ $array_job =~ ^[0-9]+$ ]] || fail "unexpected sbatch output for the array job: '$array_job'"

merge_job=$("$sbatch" --parsable \
  --dependency="afterok:$array_job" \
  --kill-on-invalid-dep=yes \
  --output="$outdir/logs/merge-%j.out" \
  --export="$export_vars" \
  "$@" "$here/merge.sbatch") || fail "sbatch of the merge job failed (array job $array_job is queued; scancel it or submit merge.sbatch by hand)"
merge_job=${merge_job%%;*}
[[ $merge_job =~ ^[0-9]+$ ]] || fail "unexpected sbatch output for the merge job: '$merge_job'"

echo "array_job_id=$array_job"
echo "merge_job_id=$merge_job"
echo "logs: $outdir/logs/  shards: $outdir/shard-K.sqlite  merged: $merged" >&2
