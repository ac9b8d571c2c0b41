# Intake's build and test entry points. `make test` is the whole suite: it
# installs what a fresh machine lacks (Chromium, axe-core), starts
# PostgreSQL if it is down, and runs every test, the browser included.

GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
# The Dockerfile builds with exactly these flags.
BUILD_FLAGS = -trimpath -ldflags "-s -w -X main.version=$(VERSION)"
AXE_VERSION = 4.14.1

.PHONY: test build run check deps bench-smoke

test: deps check
	INTAKE_BROWSER_TESTS=required INTAKE_FAULT_TESTS=required $(GO) test -count=1 -timeout 20m ./...
	$(MAKE) --no-print-directory bench-smoke

# build makes the same static binary the Docker image ships.
build:
	CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o bin/intake ./cmd/intake

run:
	$(GO) run ./cmd/intake

# check fails on unformatted code and vet findings.
check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

# deps installs and starts what the tests need on a fresh machine.
deps:
	@.ci/deps.sh $(AXE_VERSION)

# bench-smoke runs every benchmark once so none of them rots.
bench-smoke:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...
