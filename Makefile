# uploader: build, test, demo. `make help` lists the targets.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
BIN      := bin

.PHONY: all build test test-short vet fmt-check demo bench clean help

all: build

help:
	@echo "make build   - build bin/uploader"
	@echo "make test    - vet, format check, all tests with -race (unit, fuzz seeds, end-to-end on the local stack)"
	@echo "make demo    - start the local AWS stack, upload 64 MiB as a permitted user, show the no-kms:Decrypt failure, stop"
	@echo "make bench   - performance benchmark (not part of make test)"

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/uploader ./cmd/uploader

$(BIN)/teststack: $(shell find internal/teststack -name '*.go')
	$(GO) build -o $(BIN)/teststack ./internal/teststack/cmd/teststack

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi

# End-to-end tests start their own local stack (moto + the S3-KMS gate) on
# free loopback ports and stop it by pid. -count=1: they build and run the
# binary, which go test's cache cannot see, so a cached pass could be stale.
test: fmt-check vet
	$(GO) test -race -count=1 -timeout 20m ./...

test-short:
	$(GO) test -short ./...

demo: build $(BIN)/teststack
	./scripts/demo.sh

bench: build
	./bench/run.sh

clean:
	rm -rf $(BIN) .demo
