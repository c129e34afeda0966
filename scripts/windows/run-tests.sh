#!/usr/bin/env bash
# Runs Windows test executables under Wine and ends with one summary line:
#   "N passed, M failed, K skipped"
#
#   run-tests.sh [--skip 'NAME: REASON']... PROGRAM.exe...
#
# Each --skip names a test that is listed as skipped, with its reason (once
# for the static and once for the shared build), instead of run. The environment
# is passed on to wine-run.sh (WINEPREFIX, NAPUTIL_WIN_DLLS). A test passes
# when it exits 0 within NAPUTIL_TEST_TIMEOUT seconds (default 120).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
timeout_s=${NAPUTIL_TEST_TIMEOUT:-120}
skips=()
programs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --skip) skips+=("$2"); shift 2 ;;
    *) programs+=("$1"); shift ;;
  esac
done

passed=0 failed=0 skipped=0
failures=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for exe in "${programs[@]}"; do
  label="$(basename "$(dirname "$exe")")/$(basename "$exe" .exe)"
  if timeout "$timeout_s" "$here/wine-run.sh" "$exe" >"$log" 2>&1; then
    printf 'PASS %s\n' "$label"
    passed=$((passed + 1))
  else
    status=$?
    printf 'FAIL %s (exit %s)\n' "$label" "$status"
    sed 's/\r$//; s/^/    /' "$log" | tail -n 40
    failed=$((failed + 1))
    failures+=("$label")
  fi
done
for skip in "${skips[@]}"; do
  name=${skip%%:*}
  printf 'SKIP static/%s shared/%s (%s)\n' "$name" "$name" "${skip#*: }"
  skipped=$((skipped + 2))
done
if [ "$failed" -gt 0 ]; then
  printf 'failed: %s\n' "${failures[*]}"
fi
printf '%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
[ "$failed" -eq 0 ]
