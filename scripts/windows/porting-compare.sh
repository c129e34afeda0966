#!/bin/sh
# Runs the porting proof built by `make porting-proof`:
#   porting-compare.sh DIR PROGRAM...
# - each DIR/PROGRAM (this host, napUtil.h via the compat
#   headers in build/include/naputil) and
#   DIR/PROGRAM.exe (Windows' headers, naputil.dll, Wine) must exit 0 and
#   print the same lines;
# - the link-order programs must report the allocator their link order
#   selects.
# Environment: NAPUTIL_WIN_DLLS and WINE_RUN (scripts/windows/wine-run.sh).
set -eu

dir=$1
shift
wine_run=${WINE_RUN:?}
status=0

for prog in "$@"; do
    if ! "$dir/$prog" > "$dir/$prog.host.txt"; then
        echo "porting: $prog: exits non-zero on this host"
        status=1
    fi
    if ! "$wine_run" "$dir/$prog.exe" > "$dir/$prog.windows.raw"; then
        echo "porting: $prog.exe: exits non-zero under Wine"
        status=1
    fi
    tr -d '\r' < "$dir/$prog.windows.raw" > "$dir/$prog.windows.txt"
    lines=$(wc -l < "$dir/$prog.host.txt")
    if diff -u "$dir/$prog.host.txt" "$dir/$prog.windows.txt"; then
        echo "porting: $prog: Windows headers + naputil.dll (Wine) and the compat headers on this host print the same $lines lines"
    else
        echo "porting: $prog: outputs differ (see above)"
        status=1
    fi
done

check_link() {
    exe=$1 expected=$2
    if out=$("$wine_run" "$dir/$exe.exe" "$expected" | tr -d '\r'); then
        echo "porting: $exe: $out"
    else
        echo "porting: $exe: $out"
        status=1
    fi
}
check_link link-naputil-first naputil
check_link link-static-naputil-first naputil
check_link link-ole32-first ole32

exit $status
