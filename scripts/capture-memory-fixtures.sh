#!/usr/bin/env bash
# Captures core/tests/fixtures/go/m-memory-triage: the memtriage program
# (main.go there) run in each -mode, three times, four snapshots each,
# with the Go on PATH (the committed files are from go1.27.3).
# Needs go, a C compiler (cgo, for -mode outside) and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=core/tests/fixtures/go/m-memory-triage
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp "$OUT/main.go" "$WORK/"
printf 'module leakdemo/memtriage\n\ngo 1.27\n' > "$WORK/go.mod"
(cd "$WORK" && go build -trimpath -o memtriage .)

snap() { # URL DIR K
  curl -sf -o "$2/heap-$3.debug1.txt" "$1/debug/pprof/heap?debug=1"
  curl -sf -o "$2/heap-$3.pb.gz" "$1/debug/pprof/heap"
  curl -sf -o "$2/goroutine-$3.debug1.txt" "$1/debug/pprof/goroutine?debug=1"
  curl -sf -o "$2/goroutine-$3.pb.gz" "$1/debug/pprof/goroutine"
}

for mode in ${MODES:-heap stacks retained outside}; do
  for run in 1 2 3; do
    dir="$OUT/$mode/run$run"
    rm -rf "$dir" && mkdir -p "$dir"
    rm -f "$WORK/addr" # the previous run's address must not be read
    "$WORK/memtriage" -mode "$mode" > "$WORK/addr" &
    pid=$!
    for _ in $(seq 50); do [ -s "$WORK/addr" ] && break; sleep 0.1; done
    url="http://$(head -1 "$WORK/addr")"
    sleep 1
    snap "$url" "$dir" 0
    for k in 1 2 3; do
      curl -sf -o /dev/null "$url/step"
      # retained: capture right after the burst, before the scavenger
      # returns the pages; the others settle for a moment.
      [ "$mode" = retained ] || sleep 1
      snap "$url" "$dir" "$k"
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true
    echo "$mode run$run: $(grep -h '^# Sys' "$dir"/heap-*.debug1.txt | tr '\n' ' ')"
  done
done
