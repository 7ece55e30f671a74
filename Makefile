# zoneward. `make demo` shows the product on the example repository;
# `make test` runs lint (tidy, staticcheck, actionlint), gofmt, vet and
# every test.

GO      ?= go
BIN     := bin/zoneward
DEMO    := .demo
ZW      := $(CURDIR)/$(BIN)

.PHONY: all build test demo bench lint clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/zoneward

test: lint
	@unformatted=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

# demo: copy zones-example into a fresh Git repository, then check, plan,
# apply, show a zone file, plan again (nothing to do), and show that the
# revoked tenant's records were not applied.
demo: build
	@rm -rf $(DEMO) && cp -r zones-example $(DEMO)
	@cd $(DEMO) && git init -q -b main && git add -A && \
	  git -c user.name=demo -c user.email=demo@example.invalid commit -qm "zones at demo start"
	@echo "== zoneward check: validate every file offline"
	@cd $(DEMO) && $(ZW) check
	@echo; echo "== zoneward plan --rev main: what apply would do, per zone, with owners"
	@cd $(DEMO) && $(ZW) plan --rev main --zone acme.dev --zone bakery.example
	@echo; echo "== zoneward apply --rev main"
	@cd $(DEMO) && $(ZW) apply --rev main | tail -n 1
	@echo; echo "== the zone file it wrote: $(DEMO)/.zoneward/zones/acme.dev.zone"
	@cat $(DEMO)/.zoneward/zones/acme.dev.zone
	@if command -v named-checkzone >/dev/null; then echo; echo "== named-checkzone"; \
	  named-checkzone -k fail acme.dev $(DEMO)/.zoneward/zones/acme.dev.zone; fi
	@echo; echo "== mallory.acme.dev is revoked: her file is ignored (no record of hers was written)"
	@! grep -n mallory $(DEMO)/.zoneward/zones/acme.dev.zone
	@cd $(DEMO) && $(ZW) status --zone acme.dev
	@echo; echo "== zoneward plan again: nothing to do"
	@cd $(DEMO) && $(ZW) plan --rev main --detailed-exitcode

# bench runs every benchmark (the slow ones generate 10,000-zone estates)
# and writes BENCHMARKS.md with each figure, its target and how to
# reproduce it.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 90m ./... | tee .bench.out
	$(GO) run ./cmd/benchreport -o BENCHMARKS.md < .bench.out
	@echo "wrote BENCHMARKS.md"

# lint: go.mod and go.sum tidy, staticcheck, and actionlint over this
# project's workflows and those a zones repository copies from
# zones-example/ (gofmt and go vet run in test). Tools are pinned: a lint
# that changes under the project is no gate.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
ACTIONLINT  := github.com/rhysd/actionlint/cmd/actionlint@v1.7.12

lint:
	$(GO) mod tidy -diff
	$(GO) run $(STATICCHECK) ./...
	$(GO) run $(ACTIONLINT) .github/workflows/*.yml zones-example/.github/workflows/*.yml

clean:
	rm -rf bin $(DEMO) .bench.out
