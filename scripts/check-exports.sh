#!/bin/sh
# Checks that the shared library exports exactly the API: every function and
# object include/napUtil.h declares (scripts/api-symbols.sh), and nothing of
# Rust's own; and, given SONAME, that the library names itself so.
# Usage: check-exports.sh path/to/libnaputil.so [SONAME]
set -eu
lib=${1:?usage: check-exports.sh LIBRARY [SONAME]}
want_soname=${2:-}
expected=$(sh "$(dirname "$0")/api-symbols.sh")
actual=$(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | LC_ALL=C sort -u)
missing=$(printf '%s\n' "$expected" | grep -vxF "$actual" || true)
unexpected=$(printf '%s\n' "$actual" | grep -vxF "$expected" || true)
status=0
if [ -n "$want_soname" ]; then
    soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p')
    if [ "$soname" != "$want_soname" ]; then
        echo "check-exports: $lib has SONAME '$soname', expected '$want_soname'"; status=1
    fi
fi
if [ -n "$missing" ]; then
    echo "check-exports: $lib does not export:"; printf '%s\n' "$missing" | sed 's/^/    /'; status=1
fi
if [ -n "$unexpected" ]; then
    echo "check-exports: $lib exports what the header does not declare:"
    printf '%s\n' "$unexpected" | sed 's/^/    /'; status=1
fi
[ $status -eq 0 ] && echo "check-exports: $lib${want_soname:+ (SONAME $want_soname)} exports the" \
    "$(printf '%s\n' "$actual" | grep -c .) API symbols and nothing else"
exit $status
