#!/bin/sh
# Compile-time layout comparison for a target this host cannot run:
#   layout-asm-compare.sh TARGET SDK.s NAPUTIL.s LIST
# SDK.s and NAPUTIL.s are layout.c built with -DLAYOUT_DATA_ONLY -S against
# Windows' headers and against napUtil.h: one constant array per entry of
# LIST (nap_layout_list.h), named after the entry's line. Identical assembly
# means identical sizes, offsets, values and types. Differences are shown
# as the list entries they belong to.
set -eu

target=$1 sdk=$2 ours=$3 list=$4
entries=$(grep -c '^_*layout_line_[0-9]*:' "$sdk" || true)
if [ "$entries" -lt 300 ]; then
    echo "layout ($target): only $entries entries compiled; expected the whole list"
    exit 1
fi
if diff "$sdk" "$ours" > "$ours.diff"; then
    echo "layout ($target, compile-time): $entries entries identical to Windows' headers"
    exit 0
fi
echo "layout ($target, compile-time): differences in these entries of $list:"
diff "$sdk" "$ours" | sed -n 's/^[0-9,]*[acd][0-9,]*$/&/p' | while read -r hunk; do
    first=${hunk%%[acd]*}
    first=${first%%,*}
    line=$(head -n "$first" "$sdk" | grep '^_*layout_line_[0-9]*:' | tail -n 1 | tr -dc '0-9')
    if [ -n "$line" ]; then sed -n "${line}p" "$list"; fi
done | sort -u
exit 1
