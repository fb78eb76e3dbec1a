# Entry points for developers and CI. `make test` is what .ci/run runs.

GO ?= go
# Fuzz targets as package:FuzzName, space-separated; each runs FUZZTIME.
FUZZ_TARGETS ?= ./internal/idnum:FuzzParse ./internal/importer:FuzzReadRows ./internal/register:FuzzParseDate ./internal/register:FuzzNameKey ./internal/register:FuzzNameKeyPaths \
	./internal/card:FuzzParseSeal ./internal/card:FuzzParsePrintedQR ./internal/card:FuzzParseSOD ./internal/card:FuzzBase45 \
	./internal/portal:FuzzParseProcedure ./internal/portal:FuzzParseEMV ./internal/residence:FuzzImportCSV \
	./internal/p256verify:FuzzVerify ./internal/reconcile:FuzzReadCSV
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

# Benchmarks on both engines (PostgreSQL started by the test harness, or
# the server in DANCU_TEST_POSTGRES_URL). Heavy ones (seed 50,000 persons,
# import 100,000 rows, 20,000 API requests) run a fixed number of times;
# the rest let go test pick. Figures go to docs/performance.md; the load
# driver for a running server is tools/loadgen (see that page).
bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./internal/seed ./internal/importer
	$(GO) test -run '^$$' -bench . -benchtime 20000x ./internal/httpapi
	$(GO) test -run '^$$' -bench . ./internal/synth ./internal/store
	$(GO) test -run '^$$' -bench 'Verify|Personalise' -cpu 1 ./internal/card
	$(GO) test -run '^$$' -bench Issuance -benchtime 3000x ./internal/card
	$(GO) test -run '^$$' -bench Web_Pages -benchtime 1000x ./internal/web
	$(GO) test -run '^$$' -bench DossierSubmit -benchtime 5000x ./internal/portal
	$(GO) test -run '^$$' -bench Reconcile -benchtime 3x ./internal/reconcile

# go test -fuzz takes one package and one target at a time, hence the loop.
fuzz:
	@set -e; for target in $(FUZZ_TARGETS); do \
		pkg=$${target%%:*}; name=$${target#*:}; \
		echo "fuzz $$pkg $$name for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) "$$pkg"; \
	done

demo:
	$(GO) run ./cmd/dancu demo
