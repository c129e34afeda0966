#!/bin/sh
# Compares layout-proof outputs: the first file (from Windows' own headers)
# against each of the others (from napUtil.h). Prints the differences, if
# any, and one summary line:
#   layout: N structs, M fields, K constants, ... compared, D differences
# Exits non-zero when any output differs from the reference.
set -eu

reference=$1
shift
differences=0
for other in "$@"; do
    if ! diff -u "$reference" "$other" > "$other.diff"; then
        cat "$other.diff"
        differences=$((differences + $(grep -c '^-[^-]' "$other.diff" || true)))
    fi
done

count() { grep -c "^$1 " "$reference" || true; }
echo "layout: $(count struct) structs, $(count field) fields, $(count const) constants," \
     "$(count value) static constants, $(count type) base/enum types, $(count alias) aliases," \
     "$(count function) prototypes, $(count interface) interfaces, $(count slot) vtable slots," \
     "$(count clsid) CLSIDs compared against Windows' headers ($# builds of napUtil.h)," \
     "$differences differences"
[ "$differences" -eq 0 ]
