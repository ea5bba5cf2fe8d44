# leakscope: `make serve` builds and serves the site, `make test` runs every
# test (the browser ones included). Both install what is missing first
# (scripts/setup.sh is idempotent).
SHELL := /bin/bash
# npm's binaryen (wasm-opt 132) must win over any /usr/bin/wasm-opt.
export PATH := $(CURDIR)/e2e/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
PORT ?= 8080

.PHONY: setup setup-native build serve test test-native test-e2e bench clean

setup:
	@scripts/setup.sh all

setup-native:
	@scripts/setup.sh native

# The static site in dist/ (any static host, any sub-path).
build: setup
	trunk build --release --offline
	@# Trunk leaves wasm-bindgen's JS glue as written: terser takes a quarter
	@# off its gzipped size (exports keep their names).
	terser dist/leakscope-app.js --module --compress --mangle -o dist/leakscope-app.js
	scripts/stamp-sw.sh dist

serve: build
	@echo "leakscope: serving dist/ on http://127.0.0.1:$(PORT) (Ctrl-C to stop)"
	@cd dist && python3 -m http.server $(PORT) --bind 127.0.0.1

test-native: setup-native
	cargo test --workspace --exclude leakscope-app

test-e2e: build
	cargo build --release -p leakscope
	cd e2e && node --test --test-timeout=180000 tests/

test: test-native test-e2e

bench: build
	scripts/bench.sh

clean:
	cargo clean
	rm -rf dist e2e/artifacts
