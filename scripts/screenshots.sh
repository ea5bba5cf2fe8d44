#!/usr/bin/env bash
# `make screenshots`: refreshes the README's images from the browser tests'
# screenshots (e2e/artifacts/, written by `make test-e2e`). The tests never
# write into docs/: only this does, when asked.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=0
for img in $(grep -o 'docs/screenshots/[A-Za-z0-9_-]*\.png' README.md | sort -u); do
  src="e2e/artifacts/$(basename "$img")"
  if [ -f "$src" ]; then
    cp "$src" "$img"
  else
    echo "screenshots: $src missing (no browser test takes it)" >&2
    missing=1
  fi
done
exit $missing
