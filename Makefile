# Entry points for developers and CI. `make test` is what .ci/run runs.

GO ?= go
# Fuzz targets as package:FuzzName, space-separated; each runs FUZZTIME.
FUZZ_TARGETS ?= ./internal/idnum:FuzzParse
FUZZTIME ?= 30s

.PHONY: test build bench fuzz demo

# setup.sh first: the storage tests need real PostgreSQL binaries.
test:
	bash scripts/setup.sh
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

# CGO off: a static binary that runs on any Linux without a C toolchain
# (SQLite is the pure-Go modernc driver).
build:
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/dancu ./cmd/dancu

# Placeholder: every benchmark, three iterations each; to be refined.
bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./...

# go test -fuzz takes one package and one target at a time, hence the loop.
fuzz:
	@set -e; for target in $(FUZZ_TARGETS); do \
		pkg=$${target%%:*}; name=$${target#*:}; \
		echo "fuzz $$pkg $$name for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) "$$pkg"; \
	done

demo:
	$(GO) run ./cmd/dancu demo
