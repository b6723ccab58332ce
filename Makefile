# digestd — `make run` starts the daemon on its defaults, `make test` is what CI runs.
# go-sqlite3 needs the sqlite_fts5 tag for full-text search: every go command
# here passes it.

GO      ?= go
TAGS    := sqlite_fts5
BIN     := bin/digestd
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null)
BUILT   ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.built=$(BUILT)
# make install PREFIX=$$HOME/.local, or DESTDIR=pkgroot for packaging.
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin

.PHONY: build run test torture bench bench-scale eval-ranking fmt-check vet chromium clean install uninstall

build:
	$(GO) build -tags $(TAGS) -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/digestd

run: build
	./$(BIN) serve --config config.example.yaml

test: fmt-check vet chromium bin/mailpit
	$(GO) test -race -tags $(TAGS) -timeout 15m ./...

# make torture: the long runs of docs/RELIABILITY.md (crash, concurrent
# passes, SMTP and source faults, hostile content, web abuse, load, backup,
# secrets) at full size, then each fuzz target for FUZZEXECS inputs (a
# count: with a duration, Go 1.26's fuzzing coordinator can fail a target
# with "context deadline exceeded" at its end, golang/go#75804, fixed in Go
# 1.27). It prints one figure line per property; the whole output is kept
# in bin/torture.log.
TORTURE_TESTS := TestCrashLosesNoDigest|TestPassesNeverTwice|TestRunUnderMixedSMTPFaults|TestSourceFaults|TestHostilePaperIsInert|TestWebAbuse|TestWebUnderLoadDuringDelivery|TestBackupWhileServingAndSending|TestSecretsStayOutOfOutput
FUZZ_TARGETS  := ./subscribers/query:FuzzParse ./digest/hf:FuzzParse ./digest/arxiv:FuzzParse ./subscribers:FuzzParseAddress ./subscribers:FuzzReadCSV ./internal/qp:FuzzQuotedPrintable ./digest/match:FuzzMatchAgainstFTS ./internal/unicode61:FuzzTokens ./subscribers/library:FuzzParse
FUZZEXECS     ?= 300000
FIGURES       := ^ +[a-z_]+_test\.go:[0-9]+: (crash|passes|maybe_delivered|smtp|source|hostile|web|concurrency|backup|secrets):|^--- FAIL|^FAIL|^panic
torture: SHELL := /bin/bash
torture:
	@mkdir -p bin; set -o pipefail; \
	DIGESTD_TORTURE=1 $(GO) test -tags $(TAGS) -count=1 -timeout 20m -v -run '^($(TORTURE_TESTS))$$' ./cmd/digestd ./digest/pipeline \
		2>&1 | tee bin/torture.log | grep -E '$(FIGURES)' | sed -E 's/^ +[a-z_]+_test\.go:[0-9]+: //'
	@set -o pipefail; for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; start=$$SECONDS; \
		$(GO) test -tags $(TAGS) -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZEXECS)x -fuzzminimizetime 2s $$pkg \
			>bin/fuzz.log 2>&1 || { cat bin/fuzz.log; exit 1; }; cat bin/fuzz.log >>bin/torture.log; \
		execs=$$(grep -o 'execs: [0-9]*' bin/fuzz.log | tail -1 | cut -d' ' -f2); \
		echo "fuzz: $$fn ($$pkg) seconds=$$((SECONDS - start)) execs=$$execs crashes=0"; done

# make bench: one night at scale, 100,000 readers x 2,000 papers through
# the delivery pass of digestd run, against a loopback SMTP server (see
# docs/PERFORMANCE.md), once with narrow topics and once with broad ones;
# BENCH_FLAGS adds digestbench flags (-archive 500000: a year of papers
# before today's). make bench-scale runs 10k, 30k and 100k readers of each
# vocabulary (LARGE=1 adds 300k, HUGE=1 adds 1,000,000 broad; with
# BENCH_SIZES= the million runs alone), each in its own process so that the
# peak RSS is each run's own.
BENCH_SIZES := 10000 30000 100000 $(if $(LARGE),300000)
BENCH_RUNS  := $(foreach n,$(BENCH_SIZES),narrow:$(n) broad:$(n)) $(if $(HUGE),broad:1000000)
bench: SHELL := /bin/bash
bench:
	@mkdir -p bin && $(GO) build -tags $(TAGS) -o bin/digestbench ./cmd/digestbench
	@set -o pipefail; for t in narrow broad; do ./bin/digestbench -topics $$t $(BENCH_FLAGS) | tee -a bin/bench.log | grep '^bench:' || exit 1; done

bench-scale: SHELL := /bin/bash
bench-scale:
	@mkdir -p bin && $(GO) build -tags $(TAGS) -o bin/digestbench ./cmd/digestbench
	@printf '%7s %8s %12s %9s %10s %9s %7s %12s\n' topics archive subscribers total_s digests/s smtp_lim/s ratio peak_rss_mb
	@set -o pipefail; for run in $(BENCH_RUNS); do ./bin/digestbench -topics $${run%%:*} -subscribers $${run##*:} -timeout 60m $(BENCH_FLAGS) | \
		tee -a bin/bench-scale.log | awk '/^bench:/ { for (i = 2; i <= NF; i++) { split($$i, kv, "="); v[kv[1]] = kv[2] } \
		printf "%7s %8s %12s %9s %10s %9s %7s %12s\n", v["topics"], v["archive"], v["subscribers"], v["total_s"], \
		v["digests_per_s"], v["smtp_limit_per_s"], v["ratio"], v["peak_rss_mb"] }' || exit 1; done

# make eval-ranking: simulated readers vote on their digests of the fixture
# papers; one line per number of votes (docs/RANKING.md). EVAL_FLAGS adds
# evalranking flags; DIGESTD_EVAL_RATINGS=FILE replays a real ratings file.
eval-ranking:
	$(GO) run -tags $(TAGS) ./cmd/evalranking $(EVAL_FLAGS)

# The end-to-end delivery test sends to Mailpit, a real SMTP server with a
# REST API; the first make test installs it into ./bin (a minute to build).
MAILPIT := github.com/axllent/mailpit@v1.33.1
bin/mailpit:
	GOBIN=$(CURDIR)/bin $(GO) install $(MAILPIT)

# The web front's test drives Debian's Chromium (DIGESTD_CHROMIUM names
# another binary). Missing, it is installed when we are root; otherwise
# make test stops here rather than skip the browser test.
CHROMIUM ?= $(or $(DIGESTD_CHROMIUM),/usr/bin/chromium)
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
		else \
			echo "make test needs the Debian package chromium ($(CHROMIUM)): run 'apt-get install -y chromium' as root"; exit 1; \
		fi; \
	fi

fmt-check:
	@out=$$(gofmt -l .); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet -tags $(TAGS) ./...

# install puts the binary in $(BINDIR); deploy/digestd.service shows how to
# run it under systemd with /etc/digestd/config.yaml.
install: build
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/digestd

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/digestd

clean:
	rm -rf bin
