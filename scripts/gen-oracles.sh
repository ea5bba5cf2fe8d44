#!/usr/bin/env bash
# Regenerates the filter/diff/granularity oracles with `go tool pprof`
# (Go 1.19, Debian's golang-go), for core/tests/filters.rs. Run from the
# repository root; the outputs are committed, so tests need no Go.
set -euo pipefail
export TZ=UTC
F=core/tests/fixtures/go
O=core/tests/fixtures/oracles
mkdir -p "$O"
: > "$O/manifest.tsv"
run() { # name, then pprof args (file last)
  local name=$1; shift
  go tool pprof "$@" > "$O/$name.txt" 2> /dev/null || true
  printf '%s\t%s\n' "$name" "$*" >> "$O/manifest.tsv"
}
J=$F/j-cpu-profile/cpu.pb.gz
A=$F/a2-chanrecv-leak-n500
H=$F/h1-substring-retention
run focus-main        -top -nodecount=1000000 -focus='main\.' "$J"
run ignore-runtime    -top -nodecount=1000000 -ignore=runtime "$J"
run focus-ignore      -top -nodecount=1000000 -focus=main -ignore='fib|json' "$J"
run hide-runtime      -top -nodecount=1000000 -hide='^runtime\.' "$A/goroutine-3.pb.gz"
run show-main         -top -nodecount=1000000 -show='^main\.' "$J"
run show-from         -top -nodecount=1000000 -show_from='main\.main\.func' "$J"
run focus-file        -top -nodecount=1000000 -focus='sort/' "$J"
run tagfocus-phase    -top -nodecount=1000000 -tagfocus='phase=fib' "$J"
run tagignore-phase   -top -nodecount=1000000 -tagignore='phase=json|sort' "$J"
run tagfocus-nokey    -top -nodecount=1000000 -tagfocus='phase:json' "$J"
run tagfocus-bytes    -top -nodecount=1000000 -tagfocus='bytes=1kb:' "$H/heap-3.pb.gz"
run tagfocus-range    -top -nodecount=1000000 -tagfocus='16:4kb' "$H/heap-3.pb.gz"
run tagfocus-exact    -top -nodecount=1000000 -sample_index=alloc_space -tagfocus='bytes=8kb' "$H/heap-3.pb.gz"
run diff-base         -top -nodecount=1000000 -diff_base="$A/goroutine-1.pb.gz" "$A/goroutine-3.pb.gz"
run diff-base-cum     -top -cum -nodecount=1000000 -diff_base="$H/heap-0.pb.gz" "$H/heap-3.pb.gz"
run base              -top -nodecount=1000000 -base="$H/allocs-1.pb.gz" "$H/allocs-3.pb.gz"
run base-goroutine    -top -nodecount=1000000 -base="$A/goroutine-2.pb.gz" "$A/goroutine-3.pb.gz"
run gran-lines        -top -nodecount=1000000 -lines "$J"
run gran-files        -top -nodecount=1000000 -files "$J"
run gran-addresses    -top -nodecount=1000000 -addresses "$A/goroutine-3.pb.gz"
run noinlines         -top -nodecount=1000000 -noinlines "$J"
run lines-noinlines   -top -nodecount=1000000 -lines -noinlines "$J"
run traces-focus      -traces -focus='main\.fib' -hide=runtime "$J"
run traces-diff       -traces -diff_base="$A/goroutine-2.pb.gz" "$A/goroutine-3.pb.gz"
run traces-tagfocus   -traces -tagfocus='phase=json' "$J"
# list needs the sources where pprof looks for them: SRC/leakdemo/<pkg>/main.go.
mkdir -p "$O/src/leakdemo/chanrecv" "$O/src/leakdemo/cpu"
cp "$A/main.go" "$O/src/leakdemo/chanrecv/main.go"
cp "$F/j-cpu-profile/main.go" "$O/src/leakdemo/cpu/main.go"
run list-diff         -list='main\.' -source_path="$O/src" -diff_base="$A/goroutine-1.pb.gz" "$A/goroutine-3.pb.gz"
run list-focus        -list='main\.fib' -source_path="$O/src" -focus='main\.main\.func1' "$J"
