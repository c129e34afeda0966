#!/bin/sh
# Runs the SDK-style programs of ctests/sdk/ in both wide-string builds:
#   run-sdk-programs.sh DIR NAME...
# DIR/wchar16/NAME was built from the sources as written (L"..." literals,
# -fshort-wchar), DIR/wchar32/NAME from the same sources with every L"..."
# spelled u"..." and the compiler's 32-bit wchar_t. Each run must exit 0
# with no task-memory block left (NAPUTIL_LEAK_REPORT), and the two builds
# of a program must print the same lines. Ends with "N passed, M failed".
dir=$1
shift
passed=0
failed=0
for name in "$@"; do
    status=ok
    for mode in wchar16 wchar32; do
        if ! NAPUTIL_LEAK_REPORT=1 NAPUTIL_LEAK_EXITCODE=3 "$dir/$mode/$name" \
                > "$dir/$mode/$name.out" 2> "$dir/$mode/$name.err"; then
            echo "FAIL $name ($mode): exit status $?"
            sed 's/^/    | /' "$dir/$mode/$name.out" "$dir/$mode/$name.err" | tail -40
            status=failed
        fi
    done
    if [ $status = ok ] && ! diff -u "$dir/wchar16/$name.out" "$dir/wchar32/$name.out"; then
        echo "FAIL $name: the L\"...\" (-fshort-wchar) and u\"...\" builds print different lines"
        status=failed
    fi
    if [ $status = ok ]; then
        passed=$((passed + 1))
        echo "PASS $name: $(wc -l < "$dir/wchar16/$name.out") identical lines from the -fshort-wchar and u\"...\" builds, no block left"
    else
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
