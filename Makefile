# stepshift build, test and benchmark targets. `make ci` is what .ci/run calls.
GO       ?= go
PKGS     ?= ./...
BIN      ?= bin/stepshift
FUZZTIME ?= 10s
PREFIX   ?= /usr/local
# -s -w: no symbol table or DWARF (panics still name functions); static,
# since cgo's resolver would make the binary wait for the dynamic loader.
BUILD    ?= CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w'

.PHONY: build cross install test check corpus bench bench-peers fuzz ci emulators docs lint-example tidy clean

# Two executables from one package. $(BIN) is the lean front
# (stepshift_lean): lint, graph, rules, explain, schema, version, without
# the AWS SDK, the worker, the executor or the migration, so that a
# pre-commit hook starts near a hello-world Go program. $(BIN)-full has
# every command; the front hands migrate, run, test, worker and --aws runs
# to it (cmd/stepshift/handoff_lean.go). urfave_cli_no_docs leaves
# urfave/cli's man-page generators out of both.
build:
	$(BUILD) -tags urfave_cli_no_docs,stepshift_lean -o $(BIN) ./cmd/stepshift
	$(BUILD) -tags urfave_cli_no_docs -o $(BIN)-full ./cmd/stepshift

# Both builds compile for macOS and Windows too (`go install` there builds
# the full one; the worker itself is for Linux containers).
cross:
	GOOS=darwin GOARCH=arm64 $(BUILD) -tags urfave_cli_no_docs -o /dev/null ./cmd/stepshift
	GOOS=darwin GOARCH=arm64 $(BUILD) -tags urfave_cli_no_docs,stepshift_lean -o /dev/null ./cmd/stepshift
	GOOS=windows GOARCH=amd64 $(BUILD) -tags urfave_cli_no_docs -o /dev/null ./cmd/stepshift
	GOOS=windows GOARCH=amd64 $(BUILD) -tags urfave_cli_no_docs,stepshift_lean -o /dev/null ./cmd/stepshift

install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BIN) $(BIN)-full $(DESTDIR)$(PREFIX)/bin/

# go test shows a skipped test only with -v: say once that the corpus
# tests skip, and why.
test:
	@./scripts/corpus-dir.sh >/dev/null || echo "note: the external test corpus is not here, so its tests skip; \`make corpus\` downloads it (STEPSHIFT_REQUIRE_CORPUS=1 makes them fail instead)"
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 $(PKGS)

# The inner loop: vet and the tests without the race detector (CI keeps -race
# through `make test`); cached results are reused.
check:
	$(GO) vet $(PKGS)
	$(GO) test $(PKGS)

# Downloads the external test corpora pinned in testdata/corpus-manifest.tsv
# into testdata/corpus (checked file by file against their SHA-256).
corpus:
	$(GO) run ./scripts/corpus

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# Compares stepshift with asl-validator on the Cumulus corpus (needs node/npm).
bench-peers: build
	./scripts/bench-peers.sh

# A short run of every fuzz target, one at a time (go test allows one -fuzz per package run).
fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

# Installs the npm stand-ins the integration tests start (stepfunctions-local, sarif-multitool).
emulators:
	./scripts/install-emulators.sh

# The workflow README's picture shows (docs/example-graph.svg).
EXAMPLE_GRAPH ?= fixtures/deployments/cumulus-tf/ingest_granule_workflow.asl.json

# Regenerates docs/rules/*.md from the rule definitions, and the README's
# graph: the DOT source, then the SVG Graphviz renders from it, stamped with
# the source's sha256 (TestDocsExampleGraph fails when either is stale).
docs:
	$(GO) run ./cmd/stepshift docs --out docs/rules
	$(GO) run ./cmd/stepshift graph --format dot $(EXAMPLE_GRAPH) > docs/example-graph.dot.tmp
	mv docs/example-graph.dot.tmp docs/example-graph.dot
	dot -Tsvg docs/example-graph.dot | sed "1a <!-- rendered from example-graph.dot sha256 $$(sha256sum docs/example-graph.dot | cut -d' ' -f1) -->" > docs/example-graph.svg.tmp
	mv docs/example-graph.svg.tmp docs/example-graph.svg

lint-example: build
	./$(BIN) lint fixtures/deployments/cumulus-tf

# Fails when go.mod or go.sum is not what `go mod tidy` would write.
tidy:
	$(GO) mod tidy -diff

ci: emulators tidy build cross test fuzz

clean:
	rm -rf bin
