#!/usr/bin/env bash
# `make bench`: generates the large inputs, runs the criterion benchmarks,
# times leakscope against `go tool pprof` (when Go is installed) on the
# same files in the same run, then the browser benchmark (our production
# build against speedscope from npm), and writes BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export TZ=UTC
data=bench-data
cargo build --release -q -p leakscope -p leakscope-bench --examples
./target/release/leakscope-gen "$data"
LEAKSCOPE_BENCH_DATA="$PWD/$data" cargo bench -q -p leakscope-bench --bench decode_top -- --noplot 2>&1 | grep -E "time:|decode" || true
python3 scripts/bench_report.py "$data"
{
  echo
  echo "## Where the time goes (native, \`$data/cpu-200k.pb.gz\`)"
  echo
  echo '`cargo run --release -p leakscope-bench --example phases` in the same run:'
  echo
  echo '```'
  ./target/release/examples/phases "$data/cpu-200k.pb.gz" 2>&1
  echo '```'
  echo
  echo '`top` builds the graph twice (all nodes, then those above the 0.5% cut, as pprof does);'
  echo 'the merge pprof applies on load and the graph are the costs to cut next.'
} >> BENCHMARKS.md
if [ -f dist/leakscope-app_bg.wasm ] && [ -d e2e/node_modules/playwright-core ]; then
  echo >> BENCHMARKS.md
  node e2e/bench.mjs "$data/cpu-200k.pb.gz" e2e/node_modules/speedscope/dist/release | tee -a BENCHMARKS.md
  cat >> BENCHMARKS.md <<'MD'
In the page, decoding and reports still run on the main thread (no Web Worker yet), so
opening this file blocks in tasks of seconds, and the flame tree of a profile whose stacks
share little (6.6 million frames here) costs seconds and over a GB of wasm memory. The
bundle's size is mostly Leptos, regex's Unicode tables and prost.
MD
else
  echo "browser benchmark skipped: run make build first" | tee -a BENCHMARKS.md
fi
