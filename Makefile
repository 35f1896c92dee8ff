# fleetfw.ilo — build, package, test.
#
#   make demo    install what is missing, build, package, install the tarball into a temporary
#                collections path, roll a generated SPP-like catalog out to three simulated iLOs
#                with playbooks/demo_rollout.yml from it (report: build/demo/report.html)
#   make test    everything CI checks (.ci/run calls it)
#
# Other targets: deps build cross collection install sim images bench fuzz lint unit
# integration integration-full sanity clean. `make help` lists them.

SHELL       := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO      ?= go
BIN     := plugins/bin/fleetfw-ilo
BUILD   := build
DIST    := dist
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
TARBALL := $(DIST)/fleetfw-ilo-$(VERSION).tar.gz
# Galaxy accepts 20 MB; we keep a margin.
MAX_TARBALL_BYTES := 10485760
# Where `make install` puts the collection (ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS)).
COLLECTIONS := $(BUILD)/collections

# Static, stripped and reproducible: same sources and Go version give the same bytes.
export CGO_ENABLED := 0
GOBUILD := $(GO) build -trimpath -buildvcs=false -ldflags '-s -w -buildid='
# The module binary without net/http's HTTP/2 (iLO speaks HTTP/1.1 and the client never asks
# for h2): 0.39 MB less for Ansible to copy on every task.
MODBUILD := $(GOBUILD) -tags nethttpomithttp2

# Modules that have a doc stub get a symlink to the multi-call binary. The list of modules
# the collection promises is meta/runtime.yml's `ilo` action group (checked by
# tests/integration/collection_test.go).
STUBS   := $(sort $(wildcard plugins/modules/*.py))
MODULES := $(patsubst plugins/modules/%.py,%,$(STUBS))

# Limit for the whole integration suite (go test -timeout).
INTEGRATION_TIMEOUT ?= 45m
# Playbooks in flight at once: most of a playbook's time is spent waiting on the simulator's clock.
INTEGRATION_PARALLEL ?= 3

# What `make fuzz` gives each Fuzz target.
FUZZTIME ?= 20s

.PHONY: help deps build cross collection install sim images demo test unit race integration integration-full \
	reliability reliability-short bench bench-go fuzz lint lint-go lint-yaml lint-ansible sanity clean

help:
	@sed -n 's/^\([a-z-]*\):.*## \(.*\)/  \1\t\2/p' $(MAKEFILE_LIST) | expand -t 20

deps: ## install missing Debian packages (ansible-core, ansible-lint, yamllint, ...)
	@scripts/deps.sh

build: ## build plugins/bin/fleetfw-ilo (linux/amd64) and the module symlinks
	@test -d cmd/fleetfw-ilo || { echo "make build: cmd/fleetfw-ilo does not exist yet" >&2; exit 1; }
	GOOS=linux GOARCH=amd64 $(MODBUILD) -o $(BIN) ./cmd/fleetfw-ilo
	@for m in $(MODULES); do ln -sfn ../bin/fleetfw-ilo plugins/modules/$$m; done
	@for l in $$(find plugins/modules -maxdepth 1 -type l); do \
	  [ -f "$$l.py" ] || { rm -f "$$l"; echo "removed $$l: no doc stub"; }; done
	@ls -l $(BIN) | awk '{print "built " $$NF ", " $$5 " bytes"}'
	@echo "modules: $(MODULES)"

cross: ## build dist/fleetfw-ilo-$GOOS-$GOARCH, e.g. make cross GOOS=linux GOARCH=arm64
	@test -n "$(GOOS)" -a -n "$(GOARCH)" || { echo "usage: make cross GOOS=linux GOARCH=arm64" >&2; exit 2; }
	@mkdir -p $(DIST)
	GOOS=$(GOOS) GOARCH=$(GOARCH) $(MODBUILD) -o $(DIST)/fleetfw-ilo-$(GOOS)-$(GOARCH) ./cmd/fleetfw-ilo
	@echo "to use it, replace plugins/bin/fleetfw-ilo in an installed collection with $(DIST)/fleetfw-ilo-$(GOOS)-$(GOARCH)"

collection: build ## build the collection tarball into dist/ (fails above 10 MB or with unexpected files)
	@mkdir -p $(DIST)
	ansible-galaxy collection build --force --output-path $(DIST) .
	@scripts/check-tarball.sh $(TARBALL) $(MAX_TARBALL_BYTES)

install: collection ## install the tarball into build/collections
	@rm -rf $(COLLECTIONS)
	ANSIBLE_COLLECTIONS_PATH=$(abspath $(COLLECTIONS)) ansible-galaxy collection install --force -p $(COLLECTIONS) $(TARBALL)
	@test -x $(COLLECTIONS)/ansible_collections/fleetfw/ilo/$(BIN)
	@echo "installed: export ANSIBLE_COLLECTIONS_PATH=$(abspath $(COLLECTIONS))"

sim: ## build the iLO simulator into build/ilosim
	@test -d cmd/ilosim && ls cmd/ilosim/*.go >/dev/null 2>&1 || { echo "make sim: cmd/ilosim does not exist yet" >&2; exit 1; }
	$(GOBUILD) -o $(BUILD)/ilosim ./cmd/ilosim

# Test firmware images for `make images`: one mkimage argument list per line-separated entry.
IMAGES ?= -name ilo5_305.bin;-name U46_2.90_01_01_2025.signed.flash;-name ilo6_166.bin -size 40MiB;-name cp045678.exe -version 1.2.3
IMAGES_DIR ?= $(BUILD)/images

images: ## write test firmware images (mkimage) into build/images
	@test -d cmd/mkimage || { echo "make images: cmd/mkimage does not exist yet" >&2; exit 1; }
	@mkdir -p $(IMAGES_DIR)
	$(GO) build -o $(BUILD)/mkimage ./cmd/mkimage
	@specs='$(IMAGES)'; IFS=';'; for spec in $$specs; do IFS=' '; $(BUILD)/mkimage -o $(IMAGES_DIR) $$spec; done

demo: deps ## build, package, install into a temp path, roll an SPP-like catalog out to 3 simulated iLOs (playbooks/demo_rollout.yml; report in build/demo/report.html; DEMO_PORT=first port)
	@scripts/demo.sh

# `make test` runs every step even when one fails, then fails naming the failed steps.
TEST_STEPS := lint unit integration reliability-short sanity

test: ## everything CI checks: lint, unit (+race), integration (each playbook once), reliability-short, sanity
	@failed=""; start=$$SECONDS; \
	for step in $(TEST_STEPS); do \
	  echo "=== make $$step"; t0=$$SECONDS; \
	  if $(MAKE) --no-print-directory $$step; then r=ok; else r=FAILED; failed="$$failed $$step"; fi; \
	  echo "=== make $$step: $$r in $$((SECONDS - t0)) s"; \
	done; \
	echo "make test: $$((SECONDS - start)) s"; \
	if [ -n "$$failed" ]; then echo "make test: FAILED:$$failed" >&2; exit 1; fi; \
	echo "make test: all checks passed"

# Packages also tested with -race: the module protocol, the iLO client (retries, cancellation,
# logout on every path) and the simulator's request handling.
RACE_PKGS ?= ./internal/ansible/... ./internal/ilo/... ./internal/ilosim ./internal/ilosim/queue

unit: ## go test ./..., then -race on RACE_PKGS when a C compiler is available
	$(GO) test -count=1 -timeout 5m ./...
	@if command -v gcc >/dev/null 2>&1; then \
	  echo "go test -race $(RACE_PKGS)"; CGO_ENABLED=1 $(GO) test -count=1 -timeout 5m -race $(RACE_PKGS); \
	else echo "race: skipped (no C compiler; apt-get install gcc)"; fi

# make integration (part of make test) runs the suite with -short: a playbook that lists several
# simulator profiles runs only on its "# short:" ones (tests/integration/targets_test.go), which
# still put every playbook, every profile and each profile's quirks through the suite once.
# make integration-full runs every playbook on every profile it lists.
integration: INTEGRATION_SHORT := -short
integration-full: INTEGRATION_SHORT :=

integration: ## real ansible-playbook against the simulator, every playbook once (tests/integration -short)
	$(run-integration)

integration-full: ## the same on every simulator profile each playbook lists (about twice as long; not in make test)
	$(run-integration)

define run-integration
@mkdir -p $(BUILD)
@echo "go test -tags integration $(INTEGRATION_SHORT) ./tests/integration/ (full log: $(BUILD)/integration.log)"
@set +e; $(GO) test -count=1 -v -tags integration $(INTEGRATION_SHORT) -parallel $(INTEGRATION_PARALLEL) -timeout $(INTEGRATION_TIMEOUT) ./tests/integration/ 2>&1 | tee $(BUILD)/integration.log | \
  grep -vE '^=== (RUN|PAUSE|CONT|NAME)|^ *--- PASS'; exit $${PIPESTATUS[0]}
endef

reliability-short: ## faults, bad input, secrets, TLS and a 200-run session soak (tests/reliability -short)
	$(GO) test -count=1 -parallel 8 -tags integration -short -timeout 10m ./tests/reliability/

reliability: ## the whole reliability and security suite (1,000-run soak, fuzzing); regenerates docs/reliability.md
	@scripts/reliability-report.sh

bench: ## measure against community.general, curl and a no-op Go module; writes docs/benchmarks.md (BENCH_QUICK=1: ~5 min check)
	@scripts/bench.sh

bench-go: ## the Go micro-benchmarks
	$(GO) test -run '^$$' -bench . -benchmem ./...

fuzz: ## run every Fuzz target for FUZZTIME (default 20s) each
	@FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

lint: lint-go lint-yaml lint-ansible ## gofmt, go vet, yamllint, ansible-lint

lint-go:
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './build/*' -not -path './dist/*' -not -path './.tmp/*')); \
	  if [ -n "$$out" ]; then echo "gofmt -l: these files need gofmt:" >&2; echo "$$out" >&2; exit 1; fi
	$(GO) vet ./...

lint-yaml:
	yamllint -s -c scripts/yamllint.yml .

lint-ansible: install ## ansible-lint (production profile) on playbooks and roles, against the installed collection
	@scripts/ansible-lint.sh $(abspath $(COLLECTIONS))

sanity: collection ## ansible-test sanity, offline, on the tarball's content
	@scripts/sanity.sh $(TARBALL)

clean: ## remove build outputs
	rm -rf $(BUILD) $(DIST) $(BIN)
	find plugins/modules -maxdepth 1 -type l -delete
