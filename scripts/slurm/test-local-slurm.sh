#!/usr/bin/env bash
# Integration test of scripts/slurm on a throw-away single-node Slurm (`make test-slurm`).
#
# Usage: scripts/slurm/test-local-slurm.sh [READCHAIN]   (default: .build/release/readchain)
#
# 1. Installs Debian's slurm-wlm and munge when missing (apt; sudo only when not root).
# 2. Stands up Slurm in a temporary folder: munged on its own socket with the key in /etc/munge
#    (created if absent), slurmctld and slurmd as root on a generated slurm.conf (one node: this host,
#    with the CPUs and memory `slurmd -C` reports; free ports; no accounting). No systemd needed.
# 3. Submits the tiny sweep with submit-sweep.sh as an array of SHARDS tasks plus the merge job,
#    waits, and checks every task and the merge completed with exit code 0.
# 4. Runs the same sweep locally, unsharded, and checks `readchain digest` of the merged database
#    equals the local one (and differs from each single shard's).
# 5. Resume: deletes one shard, checks the merge refuses to run, resubmits only that array task
#    and checks the new merge has the same digest.
# Prints PASS or FAIL with the digests. Always stops the daemons it started (by their pid files),
# cancels its jobs and removes the temporary folder, even on failure or Ctrl-C.
#
# Environment: SLURM_TEST_SWEEP (default Scenarios/sweeps/tiny-sweep.yaml), SLURM_TEST_SHARDS (3),
# SLURM_TEST_BUDGET (seconds for everything after the install, default 600), SLURM_TEST_KEEP=1 keeps
# the temporary folder for inspection (the daemons are stopped all the same).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

say() { echo "test-slurm: $*"; }
die() { echo "test-slurm: FAIL: $*" >&2; exit 1; }

# --- 0. root ---------------------------------------------------------------------------------------
# slurmd must run as root to start jobs, and munged must be started as the munge user.
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || die "needs root (or sudo) to run munged, slurmctld and slurmd"
  say "re-running as root through sudo"
  exec sudo --preserve-env=SLURM_TEST_SWEEP,SLURM_TEST_SHARDS,SLURM_TEST_BUDGET,SLURM_TEST_KEEP \
    bash "${BASH_SOURCE[0]}" "$@"
fi

# --- 1. packages -----------------------------------------------------------------------------------
packages="slurm-wlm munge"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  command -v apt-get >/dev/null 2>&1 || die "missing packages:$missing, and no apt-get to install them"
  say "installing:$missing"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
for c in munged munge unmunge slurmctld slurmd sbatch scontrol sinfo scancel squeue runuser timeout; do
  command -v "$c" >/dev/null 2>&1 || die "command '$c' not found after installing$missing"
done

# --- 2. inputs -------------------------------------------------------------------------------------
readchain=${1:-$repo/.build/release/readchain}
[ -x "$readchain" ] || die "readchain binary '$readchain' not found (run 'make release' first)"
readchain=$(realpath "$readchain")
sweep=${SLURM_TEST_SWEEP:-$repo/Scenarios/sweeps/tiny-sweep.yaml}
[ -r "$sweep" ] || die "sweep file '$sweep' not found"
sweep=$(realpath "$sweep")
shards=${SLURM_TEST_SHARDS:-3}
[[ $shards =~ ^[1-9][0-9]*$ ]] && [ "$shards" -ge 2 ] || die "SLURM_TEST_SHARDS must be an integer >= 2, got '$shards'"
budget=${SLURM_TEST_BUDGET:-600}
[[ $budget =~ ^[1-9][0-9]*$ ]] || die "SLURM_TEST_BUDGET must be a positive number of seconds, got '$budget'"
for sub in sweep merge digest; do
  "$readchain" "$sub" --help >/dev/null 2>&1 || die "'$readchain $sub --help' failed: this readchain has no '$sub' command"
done

installed_at=$SECONDS
deadline=$((SECONDS + budget))
left() { echo $((deadline - SECONDS)); }
# Runs a command with what is left of the budget as its time limit (timeout 0 would mean none).
tl() {
  local t
  t=$(left)
  [ "$t" -gt 0 ] || die "time budget of ${budget}s exhausted before: $*"
  timeout "$t" "$@"
}
# Every Slurm client call is time-limited, so a dead controller can never hang the test.
sl() { timeout 30 "$@"; }

# Nothing from an enclosing Slurm job or the caller's sbatch defaults may leak into this cluster.
while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(SLURM_|SBATCH_|SALLOC_|SRUN_)' | grep -v '^SLURM_TEST_' || true)

# --- 3. the temporary cluster ----------------------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/readchain-slurm.XXXXXX")
chmod 755 "$tmp" # munged requires its socket's folder to be reachable by everyone
conf="$tmp/slurm.conf"
export SLURM_CONF="$conf"
started_munged=0

stop_pidfile() { # name pidfile: TERM, wait up to 10 s, then KILL
  local name=$1 file=$2 pid
  [ -s "$file" ] || return 0
  pid=$(cat "$file")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || { say "stopped $name ($pid)"; return 0; }; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
  say "killed $name ($pid)"
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  if [ -s "$tmp/slurmctld.pid" ]; then
    # Cancel what is still queued or running, and give the job steps a moment to end.
    local ids
    ids=$(timeout 15 squeue -h -o %A 2>/dev/null | sort -u)
    if [ -n "$ids" ]; then
      timeout 15 scancel $ids 2>/dev/null
      for _ in $(seq 1 30); do [ -z "$(timeout 10 squeue -h -o %A 2>/dev/null)" ] && break; sleep 0.5; done
    fi
  fi
  stop_pidfile slurmd "$tmp/slurmd.pid"
  stop_pidfile slurmctld "$tmp/slurmctld.pid"
  [ "$started_munged" = 1 ] && stop_pidfile munged "$tmp/munge/munged.pid"
  # Last resort for job steps that outlived slurmd: exactly the processes whose environment names this
  # cluster's slurm.conf (every process this test started inherits SLURM_CONF=$conf).
  local p
  unset SLURM_CONF
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = $$ ] && continue
    if { tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -qxF "SLURM_CONF=$conf"; then
      kill -KILL "${p#/proc/}" 2>/dev/null && say "killed leftover process ${p#/proc/} ($(cat "$p/comm" 2>/dev/null))"
    fi
  done
  if [ "${SLURM_TEST_KEEP:-0}" = 1 ]; then
    say "kept $tmp"
  else
    rm -rf "$tmp"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_logs() {
  local f
  for f in "$tmp"/log/*.log "$tmp"/munge/munged.log "$tmp"/out/logs/*; do
    [ -f "$f" ] || continue
    echo "---- $f (last 25 lines)" >&2
    tail -n 25 "$f" >&2
  done
}
fail() { show_logs; die "$*"; }

# munge: the key in /etc/munge (as Debian's package lays it out), our own munged on our own socket.
if ! id munge >/dev/null 2>&1; then
  die "no 'munge' user (the munge package creates it)"
fi
if [ ! -s /etc/munge/munge.key ]; then
  say "creating /etc/munge/munge.key"
  install -d -o munge -g munge -m 0700 /etc/munge
  if command -v mungekey >/dev/null 2>&1; then
    mungekey --create --keyfile=/etc/munge/munge.key
  else
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
fi
install -d -o munge -g munge -m 0755 "$tmp/munge"
msock="$tmp/munge/munge.socket"
runuser -u munge -- munged --socket="$msock" --pid-file="$tmp/munge/munged.pid" \
  --log-file="$tmp/munge/munged.log" --seed-file="$tmp/munge/munged.seed" ||
  fail "munged did not start"
started_munged=1
for _ in $(seq 1 50); do [ -S "$msock" ] && break; sleep 0.2; done
munge -S "$msock" -n | unmunge -S "$msock" >/dev/null || fail "munge credential round trip failed on $msock"

# Two free ports (bash's /dev/tcp connects only when something listens).
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ports=()
for ((p = 20000 + RANDOM % 20000; ${#ports[@]} < 2 && p < 65000; p++)); do
  port_free "$p" && ports+=("$p")
done
[ ${#ports[@]} -eq 2 ] || fail "no free TCP ports found"

# The node: this host's short name, with what slurmd itself detects.
node=$(hostname -s)
hw=$(slurmd -C | head -n 1)
node_spec=""
for key in CPUs Boards SocketsPerBoard CoresPerSocket ThreadsPerCore RealMemory; do
  val=$(tr ' ' '\n' <<<"$hw" | sed -n "s/^$key=//p")
  [[ $val =~ ^[0-9]+$ ]] || fail "'slurmd -C' gave no $key: $hw"
  node_spec="$node_spec $key=$val"
  if [ "$key" = CPUs ]; then cpus=$val; fi
done

mkdir -p "$tmp/state" "$tmp/spool" "$tmp/log" "$tmp/out"
: >"$tmp/plugstack.conf"
cat >"$conf" <<EOF
# Generated by scripts/slurm/test-local-slurm.sh; removed when the test ends.
ClusterName=readchaintest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=${ports[0]}
SlurmdPort=${ports[1]}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$msock
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
PlugStackConfig=$tmp/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
DependencyParameters=kill_invalid_depend
ReturnToService=2
MinJobAge=3600
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$node NodeAddr=127.0.0.1$node_spec State=UNKNOWN
PartitionName=readchain Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -f "$conf" || fail "slurmctld did not start"
slurmd -f "$conf" || fail "slurmd did not start"
say "cluster in $tmp: node $node ($cpus CPUs), ports ${ports[*]}"

state=""
idle_by=$((SECONDS + 90))
while :; do
  state=$(sl sinfo -h -N -n "$node" -o %T 2>/dev/null | head -n 1 || true)
  [ "$state" = idle ] && break
  [ $SECONDS -lt $idle_by ] && [ "$(left)" -gt 0 ] || fail "node $node not idle within 90 s (state '$state')"
  sleep 1
done
say "node $node idle after $((SECONDS - installed_at)) s"

# --- 4. submit, wait, check ------------------------------------------------------------------------
terminal='^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED|BOOT_FAIL|DEADLINE|SPECIAL_EXIT)$'

field() { grep -oE "(^| )$1=[^ ]*" | head -n 1 | sed "s/^ *$1=//"; }

submit() { # env... : prints array and merge job ids as "A M"
  local out
  out=$(READCHAIN="$readchain" SWEEP_CPUS=1 "$here/submit-sweep.sh" "$sweep" "$tmp/out" "$shards" \
    --partition=readchain --time=15 2>&1) || fail "submit-sweep.sh failed: $out"
  echo "$out" | sed 's/^/  /' >&2
  local a m
  a=$(sed -n 's/^array_job_id=\([0-9]*\)$/\1/p' <<<"$out")
  m=$(sed -n 's/^merge_job_id=\([0-9]*\)$/\1/p' <<<"$out")
  [ -n "$a" ] && [ -n "$m" ] || fail "submit-sweep.sh printed no job ids: $out"
  echo "$a $m"
}

wait_jobs() { # array_job merge_job: waits until every record of both is terminal
  local a=$1 m=$2 records pending last="" line s t summary
  while :; do
    records=$( (sl scontrol -o show job "$a"; sl scontrol -o show job "$m") 2>/dev/null) ||
      fail "scontrol could not show jobs $a/$m"
    pending=0
    while read -r line; do
      s=$(field JobState <<<"$line")
      [[ $s =~ $terminal ]] || pending=$((pending + 1))
    done <<<"$records"
    summary=$(while read -r line; do
      t=$(field ArrayTaskId <<<"$line")
      echo "$(field JobId <<<"$line")${t:+[$t]}=$(field JobState <<<"$line")"
    done <<<"$records" | tr '\n' ' ')
    [ "$summary" != "$last" ] && say "jobs: $summary" && last=$summary
    [ "$pending" -eq 0 ] && return 0
    [ "$(left)" -gt 0 ] || { sl squeue >&2 || true; fail "jobs $a/$m not finished within ${budget}s"; }
    sleep 2
  done
}

check_jobs() { # array_job merge_job expected_task_ids...
  local a=$1 m=$2 line id s e
  shift 2
  for id in "$@"; do
    line=$(sl scontrol -o show job "${a}_$id" 2>/dev/null) || fail "no record of array task ${a}_$id"
    s=$(field JobState <<<"$line") e=$(field ExitCode <<<"$line")
    [ "$s" = COMPLETED ] && [ "$e" = 0:0 ] || fail "array task ${a}_$id ended $s with exit code $e"
  done
  line=$(sl scontrol -o show job "$m" 2>/dev/null) || fail "no record of merge job $m"
  s=$(field JobState <<<"$line") e=$(field ExitCode <<<"$line")
  [ "$s" = COMPLETED ] && [ "$e" = 0:0 ] || fail "merge job $m ended $s with exit code $e ($(field Reason <<<"$line"))"
}

digest() { # db -> 64 hex
  local out d
  out=$(tl "$readchain" digest "$1" 2>&1) || fail "readchain digest $1 failed: $out"
  d=$(sed -n 's/^results_digest=\([0-9a-f]\{64\}\)$/\1/p' <<<"$out" | head -n 1)
  [ -n "$d" ] || fail "readchain digest $1 printed no results_digest=<64 hex>: $out"
  echo "$d"
}

say "submitting $(basename "$sweep") as $shards shards"
read -r array_job merge_job < <(submit)
wait_jobs "$array_job" "$merge_job"
check_jobs "$array_job" "$merge_job" $(seq 1 "$shards")
[ -f "$tmp/out/merged.sqlite" ] || fail "merge job completed but $tmp/out/merged.sqlite is missing"
say "array job $array_job: all $shards tasks COMPLETED 0:0; merge job $merge_job COMPLETED 0:0 ($((SECONDS - installed_at)) s)"

# --- 5. the same sweep, locally and unsharded --------------------------------------------------------
say "running the sweep locally (unsharded)"
tl "$readchain" sweep "$sweep" --out "$tmp/local.sqlite" --jobs "$cpus" >"$tmp/local.log" 2>&1 ||
  { tail -n 25 "$tmp/local.log" >&2; fail "local sweep failed or timed out"; }
merged_digest=$(digest "$tmp/out/merged.sqlite")
local_digest=$(digest "$tmp/local.sqlite")
say "merged digest: $merged_digest"
say "local digest:  $local_digest"
[ "$merged_digest" = "$local_digest" ] || die "merged Slurm results differ from the local run: $merged_digest != $local_digest"
# The digest depends on the content: no single shard equals the whole.
for ((k = 1; k <= shards; k++)); do
  d=$(digest "$tmp/out/shard-$k.sqlite")
  [ "$d" != "$merged_digest" ] || fail "shard $k alone has the merged digest: the shards do not partition the sweep"
done

# --- 6. resume: a lost shard is refused by the merge, then redone by resubmitting its task -------------
lost=2
cp "$tmp/out/shard-$lost.sqlite" "$tmp/shard-$lost.saved.sqlite"
rm -f "$tmp/out/shard-$lost.sqlite"
if out=$(SWEEP_OUTDIR="$tmp/out" SWEEP_SHARDS="$shards" SWEEP_MERGED="$tmp/refused.sqlite" READCHAIN="$readchain" \
  bash "$here/merge.sbatch" 2>&1); then
  fail "merge.sbatch succeeded with shard $lost missing: $out"
fi
[ ! -e "$tmp/refused.sqlite" ] || fail "merge.sbatch left $tmp/refused.sqlite although it failed"
others=()
for ((k = 1; k <= shards; k++)); do [ "$k" = "$lost" ] || others+=("$tmp/out/shard-$k.sqlite"); done
if out=$(tl "$readchain" merge --out "$tmp/refused2.sqlite" "${others[@]}" 2>&1); then
  fail "readchain merge succeeded without shard $lost: $out"
fi
say "merge refused with shard $lost missing: $(tail -n 1 <<<"$out")"
# A shard given twice: refused, or (runs finished twice with identical results) merged to the same digest.
if out=$(tl "$readchain" merge --out "$tmp/doubled.sqlite" "${others[@]}" "${others[0]}" \
  "$tmp/shard-$lost.saved.sqlite" 2>&1); then
  doubled_digest=$(digest "$tmp/doubled.sqlite")
  [ "$doubled_digest" = "$local_digest" ] || fail "merge with ${others[0]} given twice gave digest $doubled_digest"
  say "merge with a shard given twice: accepted as identical duplicates, same digest"
else
  say "merge with a shard given twice: refused: $(tail -n 1 <<<"$out")"
fi

say "resubmitting array task $lost only"
read -r array_job2 merge_job2 < <(SWEEP_TASKS=$lost SWEEP_MERGED="$tmp/out/merged-resumed.sqlite" submit)
wait_jobs "$array_job2" "$merge_job2"
check_jobs "$array_job2" "$merge_job2" "$lost"
resumed_digest=$(digest "$tmp/out/merged-resumed.sqlite")
say "resumed digest: $resumed_digest"
[ "$resumed_digest" = "$local_digest" ] || die "merge after resubmitting task $lost differs: $resumed_digest != $local_digest"

say "PASS ($((SECONDS - installed_at)) s after the install): merged digest $merged_digest == local digest $local_digest; resumed digest equal"
