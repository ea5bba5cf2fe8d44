#!/usr/bin/env bash
# `make bench`: generates the large inputs, runs the criterion benchmarks,
# times leakscope against `go tool pprof` (when Go is installed) on the
# same files in the same run, then the browser benchmark (our production
# build against speedscope from npm), and writes BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export TZ=UTC
data=bench-data
cargo build --release -q -p leakscope -p leakscope-bench
./target/release/leakscope-gen "$data"
LEAKSCOPE_BENCH_DATA="$PWD/$data" cargo bench -q -p leakscope-bench --bench decode_top -- --noplot 2>&1 | grep -E "time:|decode" || true
python3 scripts/bench_report.py "$data"
if [ -f dist/leakscope-app_bg.wasm ] && [ -d e2e/node_modules/playwright-core ]; then
  node e2e/bench.mjs "$data/cpu-200k.pb.gz" e2e/node_modules/speedscope/dist/release | tee -a BENCHMARKS.md
else
  echo "browser benchmark skipped: run make build first" | tee -a BENCHMARKS.md
fi
