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
  echo 'Each phase alone (`cargo run --release -p leakscope-bench --example phases`):'
  echo
  echo '```'
  ./target/release/examples/phases "$data/cpu-200k.pb.gz" 2>&1
  echo '```'
  echo
  echo 'What the page'"'"'s worker does, natively (`--example session`): open, Top, the flame'
  echo 'stacks it builds between requests, a pruned flame tree; with the peak memory after each:'
  echo
  echo '```'
  for f in cpu-200k.pb.gz heap-300k.pb.gz; do echo "$f:"; ./target/release/examples/session "$data/$f" 2>&1; done
  echo '```'
  if command -v perf >/dev/null 2>&1; then
    echo
    echo 'Profile of `leakscope top` on the CPU profile (`perf record -g`, our own code by self time, top 15):'
    echo
    echo '```'
    perf record -q -g -o /tmp/leakscope-perf.data ./target/release/leakscope top "$data/cpu-200k.pb.gz" >/dev/null 2>&1 || true
    perf report -i /tmp/leakscope-perf.data --no-children --stdio --percent-limit 1 2>/dev/null | grep -E '^ +[0-9.]+%' | head -15 | sed -E 's/ +/ /g' || true
    echo '```'
  fi
} >> BENCHMARKS.md
if [ -f dist/leakscope-app_bg.wasm ] && [ -d e2e/node_modules/playwright-core ]; then
  for f in cpu-200k.pb.gz heap-300k.pb.gz; do
    echo >> BENCHMARKS.md
    node e2e/bench.mjs "$data/$f" e2e/node_modules/speedscope/dist/release | tee -a BENCHMARKS.md
  done
  cat >> BENCHMARKS.md <<'MD'
Decoding and every report run in a Web Worker (`worker/`, `core::session`); the page
receives only what it draws (Top rows, the largest traces, a flame tree pruned to what
the canvas can show). The flame graph is laid out from sorted stacks, so a profile whose
stacks share little costs one sort, not a tree of millions of frames.
MD
else
  echo "browser benchmark skipped: run make build first" | tee -a BENCHMARKS.md
fi
