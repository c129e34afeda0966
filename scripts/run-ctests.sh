#!/bin/sh
# Runs each test program given as an argument, then (when $VALGRIND names a
# valgrind binary) runs it again under valgrind with leak checking and
# NAPUTIL_TEST_UNDER_VALGRIND=1 set, so long tests can scale themselves down.
# Prints one line per run and a final "N passed, M failed" line; exits
# non-zero on any failure. A program passes when it exits 0.
passed=0
failed=0
failures=""
run() {
    label=$1; shift
    log=$(mktemp)
    "$@" >"$log" 2>&1
    status=$?
    if [ "$status" -eq 0 ]; then
        passed=$((passed + 1)); echo "PASS $label"
    else
        failed=$((failed + 1)); failures="$failures $label"
        echo "FAIL $label (exit $status)"; sed 's/^/    | /' "$log" | tail -40
    fi
    rm -f "$log"
}
for bin in "$@"; do
    run "$bin" "$bin"
done
if [ -n "$VALGRIND" ]; then
    for bin in "$@"; do
        run "valgrind $bin" env NAPUTIL_TEST_UNDER_VALGRIND=1 "$VALGRIND" -q --leak-check=full \
            --errors-for-leak-kinds=definite,possible --error-exitcode=99 "$bin"
    done
else
    echo "note: no valgrind runs (valgrind is not installed, or VALGRIND was set empty)"
fi
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
