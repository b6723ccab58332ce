# digestd — `make run` starts the daemon on its defaults, `make test` is what CI runs.
# go-sqlite3 needs the sqlite_fts5 tag for full-text search: every go command
# here passes it.

GO      ?= go
TAGS    := sqlite_fts5
BIN     := bin/digestd
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null)
BUILT   ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.built=$(BUILT)

.PHONY: build run test fmt-check vet clean

build:
	$(GO) build -tags $(TAGS) -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/digestd

run: build
	./$(BIN) serve --config config.example.yaml

test: fmt-check vet
	$(GO) test -race -tags $(TAGS) -timeout 15m ./...

fmt-check:
	@out=$$(gofmt -l .); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet -tags $(TAGS) ./...

clean:
	rm -rf bin
