# Everything a fresh machine needs, installed into the repository itself:
# a virtual environment in .venv and the npm tools in node_modules.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BUF := node_modules/.bin/buf
SITE := $(shell [ -x $(BIN)/python ] && $(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

.PHONY: run test generate lint check-generated breaking proto-deps clean

run: $(VENV)/.installed
	$(BIN)/python -m server

test: $(VENV)/.installed node_modules/.installed
	$(BIN)/python -m pytest -q

$(VENV)/.installed: pyproject.toml sdk/python/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ./sdk/python -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# google/api and google/rpc protos come from the googleapis-common-protos wheel.
proto-deps: $(VENV)/.installed
	$(eval SITE := $(shell $(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'))
	mkdir -p build/proto-deps/google/api build/proto-deps/google/rpc
	cp $(SITE)/google/api/annotations.proto $(SITE)/google/api/http.proto build/proto-deps/google/api/
	cp $(SITE)/google/rpc/status.proto build/proto-deps/google/rpc/

generate: proto-deps node_modules/.installed
	rm -rf sdk/python/src/origin/v1
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BUF) generate --path proto/origin
	$(BUF) build --path proto/origin -o sdk/python/src/origin_sdk/descriptors.binpb

lint: proto-deps node_modules/.installed
	$(BUF) lint
	$(BUF) format --diff --exit-code proto

check-generated: generate
	git diff --exit-code -- sdk/python/src
	@test -z "$$(git status --porcelain -- sdk/python/src)" || { git status --porcelain -- sdk/python/src; echo "generated code is stale: run make generate and commit"; exit 1; }

# Compare the contracts with main's; skipped while main has no protos yet.
breaking: proto-deps node_modules/.installed
	@if git cat-file -e origin/main:proto 2>/dev/null || git cat-file -e main:proto 2>/dev/null; then \
		ref=$$(git rev-parse --verify -q origin/main || git rev-parse main); \
		$(BUF) breaking --against ".git#ref=$$ref"; \
	else echo "breaking: main has no proto/ yet, nothing to compare"; fi

clean:
	rm -rf build
