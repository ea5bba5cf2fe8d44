#!/usr/bin/env bash
# `make bench`: generates the large inputs, runs the criterion benchmarks,
# times leakscope against `go tool pprof` (when Go is installed) on the
# same files in the same run, and writes BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export TZ=UTC
data=bench-data
cargo build --release -q -p leakscope -p leakscope-bench
./target/release/leakscope-gen "$data"
LEAKSCOPE_BENCH_DATA="$PWD/$data" cargo bench -q -p leakscope-bench --bench decode_top -- --noplot 2>&1 | grep -E "time:|decode" || true
python3 scripts/bench_report.py "$data"
