# ReadChain: the two commands are `make run` (the default job) and `make test` (all tests).
# Both first install what a fresh Debian machine lacks (GSL, SQLite headers, gnuplot), then build.

SWIFT        ?= swift
SCENARIO     ?= Scenarios/default.yaml
RELEASE_BIN   = .build/release/readchain
APT_PACKAGES  = libgsl-dev libsqlite3-dev gnuplot-nox pkg-config
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: lint format run test validate soak fuzz deps build release bench bench-market bench-venv clean lint-core lint-deps test-slurm

# The default job: every design of the scenario under common random numbers, the paired comparison table,
# the plots (Plots/<name>/) and the Markdown report (Results/<name>-report.md), <name> being the scenario's name.
RUN_NAME      = $(shell sed -n 's/^name: *\([^ #]*\).*/\1/p' $(SCENARIO) | head -1)
RUN_KIND      = $(shell sed -n 's/^kind: *\([^ #]*\).*/\1/p' $(SCENARIO) | head -1)

ifneq ($(RUN_KIND),market)
# A queue scenario (e.g. SCENARIO=Scenarios/validation/mmc.yaml): simulate it, table with Erlang C.
run: deps release
	$(RELEASE_BIN) simulate $(SCENARIO)
else
run: deps release
	$(RELEASE_BIN) compare $(SCENARIO) --out Results/$(RUN_NAME).sqlite --markdown Results/$(RUN_NAME)-comparison.md --csv Results/$(RUN_NAME)-comparison.csv
	$(RELEASE_BIN) plot Results/$(RUN_NAME).sqlite --out-dir Plots/$(RUN_NAME)
	$(RELEASE_BIN) report Results/$(RUN_NAME).sqlite --plots Plots/$(RUN_NAME) --out Results/$(RUN_NAME)-report.md
endif

# Every build resolves from the committed Package.resolved and fails if it is out of date (issue 17): a chain
# whose results must be bit-identical pins its dependencies, so swift-crypto cannot move within 3.x and change
# which Ed25519 signatures verify. After changing a dependency in Package.swift, run `swift package update` and
# commit the new Package.resolved.
RESOLVED      = --force-resolved-versions

# Tests run on an optimised build (with `@testable` still allowed, in its own .build/test so it never forces a
# rebuild of `make run`'s release build): the market and consensus tests drive real
# Ed25519 through thousands of blocks, about five times faster than in a debug build. READCHAIN_TEST_BUILD compiles
# in the consensus mutation knobs of NC-2 (Package.swift); release builds for `make run` never have them.
TEST_FLAGS   ?= -c release -Xswiftc -enable-testing --scratch-path .build/test $(RESOLVED)
TEST_ENV      = READCHAIN_TEST_BUILD=1

test: deps lint lint-core lint-deps
	$(TEST_ENV) $(SWIFT) build --build-tests $(TEST_FLAGS)
	$(TEST_ENV) $(SWIFT) test --skip-build $(TEST_FLAGS)

# World-level validation at the default parameters (Tests/MarketTests/ValidationTests.swift): every design of
# Scenarios/default.yaml at its horizon, warm-up and replications against the published levels, and the levers'
# tests (ValidationTests; issue 18's data sharing and consults, ClinicalContextLeverTests; report quality,
# ReportQualityTests). `make test` runs the same suites' fast subsets (two designs, a few days).
validate: deps
	$(TEST_ENV) $(SWIFT) build --build-tests $(TEST_FLAGS)
	$(TEST_ENV) READCHAIN_VALIDATE=1 $(SWIFT) test --skip-build $(TEST_FLAGS) \
		--filter 'MarketTests.ValidationTests|MarketTests.ClinicalContextLeverTests|MarketTests.ReportQualityTests'

# The long consensus runs (nightly): B11 with 200,000 twins scenarios and the cluster-level Byzantine scenarios
# (B08, B09, B16, NC-1) over 40 seeds each. The tests read READCHAIN_SOAK; without it the CI sizes apply.
soak: deps
	$(TEST_ENV) $(SWIFT) build --build-tests $(TEST_FLAGS)
	$(TEST_ENV) READCHAIN_SOAK=1 $(SWIFT) test --skip-build $(TEST_FLAGS) --filter 'ConsensusTests|NetworkTests'

# Coverage-guided fuzzing with libFuzzer (fuzz/README.md): each target for FUZZ_SECONDS (default 300), or only
# FUZZ_TARGETS. The short, seeded run is part of `make test` (Tests/FuzzTests).
fuzz: deps
	SWIFT=$(SWIFT) fuzz/run.sh

# A sweep on a throw-away single-node Slurm (scripts/slurm/README.md): installs slurm-wlm and munge when missing,
# runs the sharded sweep as an array job plus the merge, and checks the merged digest equals a local run's.
test-slurm: deps release
	bash scripts/slurm/test-local-slurm.sh $(RELEASE_BIN)

# Install the system libraries that are missing (Debian/Ubuntu). `sudo` only when not root.
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build $(RESOLVED)

release: deps
	$(SWIFT) build -c release --product readchain $(RESOLVED)

# Benchmarks run in release builds, never as timed tests. Figures go in bench/README.md.
bench: deps release bench-venv
	$(RELEASE_BIN) bench results --rows 2000000
	$(RELEASE_BIN) bench ledger
	$(RELEASE_BIN) bench contracts
	$(RELEASE_BIN) bench consensus
	$(RELEASE_BIN) bench market --days 7
	$(RELEASE_BIN) bench market --days 2 --shared-cache --signatures both
	$(RELEASE_BIN) bench scale --days 1 --factors 1,10,60 --shared-cache --design posted-price
	$(RELEASE_BIN) bench jobs --days 2 --replications 2
	$(RELEASE_BIN) bench scale --days 1 --factors 1,10,60 --shared-cache --design posted-price
	bench/run-kernel-bench.sh $(RELEASE_BIN) bench/.venv/bin/python

# One replication of a full simulated year of the default market through the chain (long: see bench/README.md).
bench-market: deps release
	$(RELEASE_BIN) bench market --days 365
	$(RELEASE_BIN) bench market --days 365 --shared-cache

bench-venv:
	@[ -x bench/.venv/bin/python ] || python3 -m venv bench/.venv
	@bench/.venv/bin/python -c "import simpy" 2>/dev/null || bench/.venv/bin/pip install -q "simpy>=4,<5"

# The deterministic core must not read clocks, entropy or files (STYLE.md habit 3).
lint-core:
	@bash scripts/lint-core.sh

# Nor depend, directly or transitively, on Scenario, Results, Yams or GRDB (the target graph of Package.swift).
# Formatting: the toolchain's swift-format with the project's .swift-format (120 columns, 4 spaces; every default
# rule except AlwaysUseLowerCamelCase, since test names carry the catalogue's ids such as B04_CrashRestart...).
# `make format` rewrites the files; `make lint` (run by `make test`) fails on any difference.
lint:
	$(SWIFT) format lint --strict --recursive --parallel Sources Tests Package.swift

format:
	$(SWIFT) format format --in-place --recursive --parallel Sources Tests Package.swift

lint-deps:
	@python3 scripts/lint-deps.py

clean:
	rm -rf .build
