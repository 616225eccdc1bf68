# Everything a fresh machine needs, installed into the repository itself:
# a virtual environment in .venv and the npm tools in node_modules.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BUF := node_modules/.bin/buf
SITE := $(shell [ -x $(BIN)/python ] && $(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

.PHONY: run test generate lint check-generated breaking proto-deps clean bench chromium

run: $(VENV)/.installed
	$(BIN)/python -m server

test: $(VENV)/.installed node_modules/.installed sdk/typescript/node_modules/.installed chromium
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(BIN)/python -m pytest -q
	cd sdk/typescript && npm test

# The scoreboard tests drive Debian's chromium through playwright, which is
# told never to download a browser of its own. Installing needs root (CI and
# the developers' machines run as root); elsewhere those tests skip.
CHROMIUM := /usr/bin/chromium
chromium:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else echo "chromium: $(CHROMIUM) is missing and installing it needs root; the scoreboard tests will skip"; fi

$(VENV)/.installed: pyproject.toml sdk/python/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ./sdk/python -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The TypeScript SDK's tests start `python -m server` from .venv and call it
# over native gRPC and through the gateway with gRPC-Web; one packs the SDK
# and installs it into a fresh project from the npm cache or registry.
sdk/typescript/node_modules/.installed: sdk/typescript/package.json sdk/typescript/package-lock.json
	cd sdk/typescript && npm ci --no-audit --no-fund
	touch $@

# google/api and google/rpc protos come from the googleapis-common-protos wheel.
proto-deps: $(VENV)/.installed
	$(eval SITE := $(shell $(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'))
	mkdir -p build/proto-deps/google/api build/proto-deps/google/rpc
	cp $(SITE)/google/api/annotations.proto $(SITE)/google/api/http.proto build/proto-deps/google/api/
	cp $(SITE)/google/rpc/status.proto build/proto-deps/google/rpc/

generate: proto-deps node_modules/.installed
	rm -rf sdk/python/src/origin/v1 sdk/typescript/src/gen
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BUF) generate --path proto/origin
	$(BUF) build --path proto/origin -o sdk/python/src/origin_sdk/descriptors.binpb

lint: proto-deps node_modules/.installed
	$(BUF) lint
	$(BUF) format --diff --exit-code proto

check-generated: generate
	git diff --exit-code -- sdk/python/src sdk/typescript/src/gen
	@test -z "$$(git status --porcelain -- sdk/python/src sdk/typescript/src/gen)" || { git status --porcelain -- sdk/python/src sdk/typescript/src/gen; echo "generated code is stale: run make generate and commit"; exit 1; }

# Compare the contracts with the last landed main. Sessions last at most a
# few hours, so the newest commit older than BREAKING_AGE is the main that
# the current work started from; set BREAKING_AGAINST to a commit to compare
# with another one.
BREAKING_AGE ?= 4 hours ago
breaking: proto-deps node_modules/.installed
	@ref="$${BREAKING_AGAINST:-$$(git rev-list -1 --before='$(BREAKING_AGE)' HEAD 2>/dev/null)}"; \
	if [ -z "$$ref" ] || ! git cat-file -e "$$ref:proto" 2>/dev/null; then \
		echo "breaking: no earlier main with proto/ to compare with"; exit 0; fi; \
	rm -rf build/against && mkdir -p build/against && \
	git archive "$$ref" proto | tar -x -C build/against && \
	cp -r build/proto-deps build/against/proto-deps && \
	printf 'version: v2\nmodules:\n  - path: proto\n  - path: proto-deps\n' > build/against/buf.yaml && \
	(cd build/against && ../../$(BUF) build --path proto/origin -o ../against.binpb) && \
	$(BUF) build --path proto/origin -o build/current.binpb && \
	echo "breaking: comparing proto/ with $$ref" && \
	$(BUF) breaking build/current.binpb --against build/against.binpb --config '{"version":"v2","breaking":{"use":["FILE"]}}'

clean:
	rm -rf build

# Benchmarks start their own PostgreSQL and server and print ratios against
# anchors measured in the same run; results go to docs/benchmarks.md by hand.
bench: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet 'redis>=5'
	$(BIN)/python -m bench.boards
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.gateway
	$(BIN)/python -m bench.watchers
