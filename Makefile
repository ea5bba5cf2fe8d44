# leakscope: `make serve` builds and serves the site, `make test` checks
# format and lints and runs every test (the browser ones included). Both
# install what is missing first (scripts/setup.sh is idempotent).
SHELL := /bin/bash
# npm's binaryen (wasm-opt 132) must win over any /usr/bin/wasm-opt.
export PATH := $(CURDIR)/e2e/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
PORT ?= 8080

.PHONY: setup setup-native setup-lint build cli serve lint test test-native test-e2e test-recipe screenshots man bench clean

setup:
	@scripts/setup.sh all

setup-native:
	@scripts/setup.sh native

setup-lint:
	@scripts/setup.sh lint

# The static site in dist/ (any static host, any sub-path).
build: setup
	trunk build --release --offline
	@# Trunk leaves wasm-bindgen's JS glue as written: terser takes a quarter
	@# off its gzipped size (exports keep their names).
	terser dist/leakscope-app.js --module --compress --mangle -o dist/leakscope-app.js
	scripts/stamp-sw.sh dist

# The CLI with the page built in (`leakscope web`): target/release/leakscope.
cli: build
	cargo build --release -p leakscope --features embed-site

# Man pages and shell completions, from the CLI's flag definitions.
man:
	cargo build --release -p leakscope
	mkdir -p target/man target/completions
	target/release/leakscope man > target/man/leakscope.1
	for c in top traces list leaks link web capture completions; do target/release/leakscope man $$c > target/man/leakscope-$$c.1; done
	for s in bash zsh fish; do target/release/leakscope completions $$s > target/completions/leakscope.$$s; done

serve: build
	@echo "leakscope: serving dist/ on http://127.0.0.1:$(PORT) (Ctrl-C to stop)"
	@cd dist && python3 -m http.server $(PORT) --bind 127.0.0.1

# Format, then clippy with warnings denied: the native crates (all
# targets: tests, benches, examples), the page's crates on their wasm
# target, and the fuzz target (checked on stable; running it needs nightly).
# clippy.toml holds the one-sort rule.
lint: setup-lint
	cargo fmt --all --check
	cd fuzz && cargo fmt --check
	cargo clippy --workspace --exclude leakscope-app --all-targets -- -D warnings
	cargo clippy -p leakscope-core -p leakscope-worker -p leakscope-app --target wasm32-unknown-unknown -- -D warnings
	cd fuzz && cargo clippy -- -D warnings

test-native: setup-native
	cargo test --workspace --exclude leakscope-app

test-e2e: cli
	cd e2e && node --test --test-timeout=180000 tests/

# The CI leak check of the README, run from .github/workflows/leak-check.yml
# against a healthy and a leaking Go service (installs Go when missing).
test-recipe: cli
	scripts/test-recipe.sh

test: lint test-native test-e2e test-recipe

# The README's images, from the screenshots the browser tests take.
screenshots: test-e2e
	scripts/screenshots.sh

bench: build
	scripts/bench.sh

clean:
	cargo clean
	rm -rf dist e2e/artifacts
