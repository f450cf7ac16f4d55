# stepshift build, test and benchmark targets. `make ci` is what .ci/run calls.
GO       ?= go
PKGS     ?= ./...
BIN      ?= bin/stepshift
FUZZTIME ?= 10s

.PHONY: build test bench bench-peers fuzz ci emulators docs lint-example tidy clean

build:
	$(GO) build -trimpath -tags urfave_cli_no_docs -o $(BIN) ./cmd/stepshift

test:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 $(PKGS)

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

# Regenerates docs/rules/*.md from the rule definitions.
docs:
	$(GO) run ./cmd/stepshift docs --out docs/rules

lint-example: build
	./$(BIN) lint fixtures/deployments/cumulus-tf

# Fails when go.mod or go.sum is not what `go mod tidy` would write.
tidy:
	$(GO) mod tidy -diff

ci: emulators tidy build test fuzz

clean:
	rm -rf bin
