# uploader: build, test, demo. `make help` lists the targets.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
BIN      := bin

# staticcheck is pinned and installed on first use through the module proxy
# into .cache/bin (v0.8.2 is the first release that reads Go 1.26 code).
STATICCHECK_VERSION := 0.8.2
STATICCHECK := $(CURDIR)/.cache/bin/staticcheck

# A module of its own that uses the library as a program outside this
# module does (no internal/ packages); `go test ./...` here skips it.
OUTSIDE := e2e/outside
# Network fault tests through toxiproxy, a module of its own for the same
# reason (toxiproxy's dependencies stay out of the library's go.mod).
NETWORK := e2e/network

.PHONY: all build test test-outside test-network test-short vet fmt-check lint demo bench bench-sets hops clean help

all: build

# Every target is listed here; keep it so when adding one.
help:
	@echo "make              - same as make build"
	@echo "make all          - same as make build"
	@echo "make build        - build bin/uploader (version from git describe; VERSION=v1.2.3 to set it)"
	@echo "make bin/teststack - build the local AWS stack's command (start/stop by hand)"
	@echo "make test         - fmt-check, vet, then every test with -race (unit, fuzz seeds, end-to-end on the local stack), then test-outside and test-network"
	@echo "make test-outside - the library used from a module outside this one ($(OUTSIDE)), with -race, on the local stack"
	@echo "make test-network - stalls, outages, a blackhole and resets through toxiproxy in front of the local stack ($(NETWORK), about 1-3 minutes)"
	@echo "make test-short   - the tests with -short (a few slow cases skipped), without -race; not what CI runs"
	@echo "make vet          - go vet ./... here and in $(OUTSIDE) and $(NETWORK)"
	@echo "make fmt-check    - fail if a tracked .go file needs gofmt"
	@echo "make lint         - staticcheck $(STATICCHECK_VERSION) on every package, $(OUTSIDE) and $(NETWORK) too (installed into .cache/bin on first use)"
	@echo "make hops         - count the calls one upload makes from file to file in upload/ (issue 18's measure)"
	@echo "make demo         - on the local AWS stack (about 20 s): 64 MiB uploaded and read back; a user without kms:Decrypt: preflight FAIL, the small-file WARN, the failure explained, the fix, the resume; stops the stack"
	@echo "make bench        - performance benchmark (about 45 minutes with the defaults; not part of make test)"
	@echo "make bench-sets   - the directory-set benchmark alone (bench/sets.sh, about 3 minutes plus a minute once to make the trees)"
	@echo "make clean        - remove bin/ and .demo/"
	@echo "make help         - this list"

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/uploader ./cmd/uploader

$(BIN)/teststack: $(shell find internal/teststack -name '*.go')
	$(GO) build -o $(BIN)/teststack ./internal/teststack/cmd/teststack

vet:
	$(GO) vet ./...
	cd $(OUTSIDE) && $(GO) vet ./...
	cd $(NETWORK) && $(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi

# End-to-end tests start their own local stack (moto + the S3-KMS gate) on
# free loopback ports and stop it by pid. -count=1: they build and run the
# binary, which go test's cache cannot see, so a cached pass could be stale.
test: fmt-check vet
	$(GO) test -race -count=1 -timeout 20m ./...
	@$(MAKE) --no-print-directory test-outside
	@$(MAKE) --no-print-directory test-network

# Only the outside module's tests (they build internal/teststack's command
# here and start the stack with it).
test-outside:
	cd $(OUTSIDE) && $(GO) test -race -count=1 -timeout 10m ./...

# The uploader binary these tests run is built without -race (they measure
# time); the test process itself runs with it.
test-network:
	cd $(NETWORK) && $(GO) test -race -count=1 -timeout 10m ./...

# The installed binary is checked by version, so a cache shared with an
# older staticcheck gets the pinned one.
lint:
	@$(STATICCHECK) -version 2>/dev/null | grep -qF '($(STATICCHECK_VERSION))' || \
		GOBIN=$(CURDIR)/.cache/bin $(GO) install honnef.co/go/tools/cmd/staticcheck@v$(STATICCHECK_VERSION)
	$(STATICCHECK) ./...
	cd $(OUTSIDE) && $(STATICCHECK) ./...
	cd $(NETWORK) && $(STATICCHECK) ./...

test-short:
	$(GO) test -short ./...
	cd $(OUTSIDE) && $(GO) test -short ./...
	cd $(NETWORK) && $(GO) test -short ./...

demo: build $(BIN)/teststack
	@./scripts/demo.sh

bench: build
	./bench/run.sh
	if [ "$${BENCH_SETS:-on}" != off ]; then ./bench/sets.sh; fi

hops:
	$(GO) run ./internal/tools/hops -v

bench-sets: build
	./bench/sets.sh

clean:
	rm -rf $(BIN) .demo
