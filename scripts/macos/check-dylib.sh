#!/bin/sh
# Checks a cross-linked macOS dylib:
#   check-dylib.sh LIB.dylib INSTALL_NAME SYMBOL...
# - it is a Mach-O dynamic library whose install name is INSTALL_NAME;
# - it exports every SYMBOL (given without Mach-O's leading underscore);
# - it reports how many other symbols it exports (Rust's own, if any).
set -eu

NM=${MAC_NM:-llvm-nm}
OBJDUMP=${MAC_OBJDUMP:-llvm-objdump}
lib=$1
want_id=$2
shift 2

id=$("$OBJDUMP" --macho --dylib-id "$lib" | sed -n '2p')
if [ "$id" != "$want_id" ]; then
    echo "check-dylib: $lib: install name is '$id', expected '$want_id'"
    exit 1
fi

exports=$("$NM" --extern-only --defined-only "$lib" | awk '{print $3}')
missing=
for sym in "$@"; do
    printf '%s\n' "$exports" | grep -qx "_$sym" || missing="$missing $sym"
done
if [ -n "$missing" ]; then
    echo "check-dylib: $lib does not export:$missing"
    exit 1
fi

api='^_(Co[A-Z]|Alloc[A-Z]|Free[A-Z]|Initialize|Uninitialize|IID_|CLSID_|GUID_NULL$|naputil_)'
total=$(printf '%s\n' "$exports" | grep -c . || true)
extra=$(printf '%s\n' "$exports" | grep -Evc "$api" || true)
echo "check-dylib: $(basename "$lib") ($("$OBJDUMP" --macho --private-header "$lib" | awk '/MH_MAGIC/ {print $2; exit}')):" \
     "install name $id, $# required symbols exported; $total exported in all, $extra outside the API"
