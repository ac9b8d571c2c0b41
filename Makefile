# Intake's build and test entry points. `make test` is the whole suite: it
# installs what a fresh machine lacks (Chromium, axe-core), starts
# PostgreSQL if it is down, and runs every test, the browser included.

GO        ?= go
# Tests and release builds use this Go release, which has the standard
# library's security fixes that govulncheck finds missing from the
# machines' Go 1.26.8; the go command fetches it once from the module
# proxy. The Dockerfile's golang image has the same version.
GO_RELEASE = 1.27.3
export GOTOOLCHAIN = go$(GO_RELEASE)
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# The Dockerfile builds with exactly these flags.
BUILD_FLAGS = -trimpath -ldflags "-s -w -X main.version=$(VERSION)"
AXE_VERSION = 4.14.1
# The pages benchmark scores with this Lighthouse (cmd/intake-bench/pages.go).
LIGHTHOUSE_VERSION = 12.2.3

.PHONY: test build run check deps bench bench-smoke fuzz-smoke fuzz vulncheck

test: deps check
	INTAKE_BROWSER_TESTS=required INTAKE_FAULT_TESTS=required INTAKE_PG_TESTS=required $(GO) test -count=1 -timeout 20m ./...
	$(MAKE) --no-print-directory bench-smoke
	$(MAKE) --no-print-directory fuzz-smoke
	$(MAKE) --no-print-directory vulncheck

# build makes the same static binary the Docker image ships.
build:
	CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o bin/intake ./cmd/intake

run:
	$(GO) run ./cmd/intake

# check fails on unformatted code, vet findings, and tracked files that do
# not belong in git (.ci/tracked-files.sh: executables, NUL bytes, over 1 MiB).
check:
	@.ci/tracked-files.sh
	@.ci/tracked-files_test.sh
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

# deps installs and starts what the tests need on a fresh machine.
deps:
	@.ci/deps.sh $(AXE_VERSION) $(LIGHTHOUSE_VERSION)

# bench measures every job of the portal beside the tool that sets its
# limit on this machine (nginx, pgbench, go-mail, COPY, Lighthouse), on a
# million leads: it takes a while, prints one table and writes it to a new
# file, bench/results/<UTC date and minute>.md; it never overwrites one.
bench: deps
	$(GO) run ./cmd/intake-bench

# bench-smoke runs every benchmark once, and `make bench` on small data for
# seconds, so none of them rots.
bench-smoke:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...
	$(GO) run ./cmd/intake-bench -smoke

# Fuzz targets, as package:target. go test fuzzes one target per run.
FUZZ_TARGETS = ./handlers:FuzzParseDiagnosticForm ./export:FuzzSafeCell ./export:FuzzCSVField \
	./diagnostic:FuzzScore ./diagnostic:FuzzResultFrom
FUZZTIME ?= 2m

# fuzz-smoke fuzzes every target for a few seconds, so none of them rots
# and an easy crash shows up in every test run.
fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=10s

# fuzz runs every target for FUZZTIME each (make fuzz FUZZTIME=30m).
# A failing input is saved under the package's testdata/fuzz and then
# replays in every plain `go test`.
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t#*:} in $${t%%:*} for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}\$$" -fuzztime $(FUZZTIME) $${t%%:*}; \
	done

# vulncheck fails on any known vulnerability our code reaches, except those
# .ci/vulncheck-accepted lists with a reason.
vulncheck:
	@.ci/vulncheck.sh
