#!/usr/bin/env bash
# The long, coverage-guided fuzz run (`make fuzz`): builds the libFuzzer driver, seeds each target's corpus from
# real encodings and the scenario files, then fuzzes each target for FUZZ_SECONDS.
#
#   FUZZ_SECONDS=300 FUZZ_TARGETS="scenario block" FUZZ_JOBS=1 fuzz/run.sh
#
# Corpora grow in fuzz/corpus/<target>/, crashes land in fuzz/artifacts/<target>/ and libFuzzer's output in
# fuzz/logs/<target>.log (all ignored by git). Reproduce a crash with
# `FUZZ_TARGET=<target> fuzz/.build/release/readchain-fuzz <file>` (the Swift backtrace names the failing line),
# then make it a named test in Tests/FuzzTests/FuzzRegressionTests.swift. Exits non-zero if any target crashed.
#
# The build uses lld: gold fails with an internal error (dwarf_reader.cc) on the instrumented objects.
set -euo pipefail
cd "$(dirname "$0")"

SWIFT=${SWIFT:-swift}
SECONDS_EACH=${FUZZ_SECONDS:-300}
TARGETS=${FUZZ_TARGETS:-scenario transaction block message consensus ledger}
JOBS=${FUZZ_JOBS:-1}
# Swift's own crash backtracer would take the trap before libFuzzer's handler, which saves the crashing input.
export SWIFT_BACKTRACE=enable=no

"$SWIFT" build -c release --product readchain-fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -use-ld=lld
BIN=.build/release/readchain-fuzz

failed=""
for t in $TARGETS; do
  rm -rf "seeds/$t"
  mkdir -p "corpus/$t" "artifacts/$t" "seeds/$t" logs
  extra=()
  [ "$JOBS" -gt 1 ] && extra+=(-jobs="$JOBS" -workers="$JOBS")
  if [ "$t" = scenario ]; then
    for f in ../Scenarios/*.yaml ../Scenarios/validation/*.yaml ../Scenarios/designs/*.yaml; do
      cp "$f" "seeds/$t/$(basename "$(dirname "$f")")-$(basename "$f")"
    done
    # The scenario keys and a little YAML, as a libFuzzer dictionary.
    { grep -ohE '^ *[a-z_]+:' ../Scenarios/*.yaml ../Scenarios/*/*.yaml | sed -E 's/^ *//' | sort -u
      printf '%s\n' '- ' ': ' '&a ' '*a' '<<: ' '!!str ' '{}' '[]' '~' '1e999' '-1' '.inf' '.nan' \
        ' s' ' min' ' h' ' /h' ' per d' '99999999999999999999'
    } | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/.*/"&"/' > seeds/scenario.dict
    extra+=(-dict=seeds/scenario.dict -max_len=16384)
  else
    FUZZ_TARGET=$t FUZZ_EMIT_SEEDS="seeds/$t" "$BIN"
    extra+=(-max_len=4096)
  fi
  echo "== fuzz $t: ${SECONDS_EACH}s, $JOBS job(s), $(ls "seeds/$t" | wc -l) seeds, $(ls "corpus/$t" | wc -l) in corpus"
  if ! FUZZ_TARGET=$t "$BIN" "corpus/$t" "seeds/$t" "${extra[@]}" -max_total_time="$SECONDS_EACH" \
      -artifact_prefix="artifacts/$t/" -print_final_stats=1 \
      -close_fd_mask=1 2>&1 | tee "logs/$t.log" | grep -E 'INFO: seed corpus|#[0-9]+[[:space:]]+(INITED|DONE)|^Done|stat::|ERROR|SUMMARY|Fatal|artifact'
  then :; fi
  if ls "artifacts/$t" | grep -q .; then failed="$failed $t"; fi
done
[ -z "$failed" ] || { echo "fuzz: crashes in:$failed (see fuzz/artifacts/)"; exit 1; }
