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
# make install PREFIX=$$HOME/.local, or DESTDIR=pkgroot for packaging.
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin

.PHONY: build run test fmt-check vet chromium clean install uninstall

build:
	$(GO) build -tags $(TAGS) -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/digestd

run: build
	./$(BIN) serve --config config.example.yaml

test: fmt-check vet chromium bin/mailpit
	$(GO) test -race -tags $(TAGS) -timeout 15m ./...

# The end-to-end delivery test sends to Mailpit, a real SMTP server with a
# REST API; the first make test installs it into ./bin (a minute to build).
MAILPIT := github.com/axllent/mailpit@v1.33.1
bin/mailpit:
	GOBIN=$(CURDIR)/bin $(GO) install $(MAILPIT)

# The web front's test drives Debian's Chromium (DIGESTD_CHROMIUM names
# another binary). Missing, it is installed when we are root; otherwise
# make test stops here rather than skip the browser test.
CHROMIUM ?= $(or $(DIGESTD_CHROMIUM),/usr/bin/chromium)
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
		else \
			echo "make test needs the Debian package chromium ($(CHROMIUM)): run 'apt-get install -y chromium' as root"; exit 1; \
		fi; \
	fi

fmt-check:
	@out=$$(gofmt -l .); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet -tags $(TAGS) ./...

# install puts the binary in $(BINDIR); deploy/digestd.service shows how to
# run it under systemd with /etc/digestd/config.yaml.
install: build
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/digestd

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/digestd

clean:
	rm -rf bin
