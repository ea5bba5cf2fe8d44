# leakscope: `make serve` builds and serves the site, `make test` runs every
# test. Both install what is missing first (scripts/setup.sh is idempotent).
SHELL := /bin/bash
export PATH := $(CURDIR)/e2e/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

.PHONY: setup setup-native test test-native test-e2e build serve bench fuzz clean

setup-native:
	@scripts/setup.sh native

setup:
	@scripts/setup.sh all

test-native: setup-native
	cargo test --workspace --exclude leakscope-app

test: test-native

clean:
	cargo clean
	rm -rf dist

bench: setup-native
	scripts/bench.sh
