#!/bin/sh
# Checks a cross-linked macOS dylib:
#   check-dylib.sh LIB.dylib INSTALL_NAME CURRENT_VERSION COMPATIBILITY_VERSION
# - it is a Mach-O dynamic library whose install name (LC_ID_DYLIB) is
#   INSTALL_NAME, with those current and compatibility versions;
# - its export trie, the table dyld binds programs against, holds every
#   symbol of the API (scripts/api-symbols.sh, with Mach-O's leading
#   underscore) and nothing else but the two symbols zig's linker defines in
#   every dylib it links (__mh_dylib_header, ___dso_handle): none of Rust's.
set -eu

NM_OBJDUMP=${MAC_OBJDUMP:-llvm-objdump}
lib=$1
want_id=$2
want_current=$3
want_compat=$4
here=$(cd "$(dirname "$0")/.." && pwd)

id_info=$("$NM_OBJDUMP" --macho --private-headers "$lib" | awk '
    /cmd LC_ID_DYLIB/ { in_id = 1; next }
    in_id && /^ *cmd / { in_id = 0 }
    in_id && $1 == "name" { name = $2 }
    in_id && $1 == "current" { current = $3 }
    in_id && $1 == "compatibility" { compat = $3 }
    END { print name, current, compat }')
set -- $id_info
if [ "$#" -ne 3 ] || [ "$1" != "$want_id" ] || [ "$2" != "$want_current" ] || [ "$3" != "$want_compat" ]; then
    echo "check-dylib: $lib: install name, current and compatibility version are '$id_info';" \
         "expected '$want_id $want_current $want_compat'"
    exit 1
fi

exports=$("$NM_OBJDUMP" --macho --exports-trie "$lib" | awk '$1 ~ /^0x/ { print $2 }' | LC_ALL=C sort -u)
api=$(sh "$here/api-symbols.sh" | sed 's/^/_/')
linker_defined="__mh_dylib_header
___dso_handle"
missing=$(printf '%s\n' "$api" | grep -vxF "$exports" || true)
extra=$(printf '%s\n' "$exports" | grep -vxF "$api" | grep -vxF "$linker_defined" || true)
if [ -n "$missing" ]; then
    echo "check-dylib: $lib does not export:"; printf '%s\n' "$missing" | sed 's/^/    /'
fi
if [ -n "$extra" ]; then
    echo "check-dylib: $lib exports $(printf '%s\n' "$extra" | grep -c .) symbols outside the API:"
    printf '%s\n' "$extra" | head -20 | sed 's/^/    /'
fi
[ -z "$missing$extra" ] || exit 1

arch=$("$NM_OBJDUMP" --macho --private-header "$lib" | awk '/MH_MAGIC/ {print $2; exit}')
echo "check-dylib: $(basename "$lib") ($arch): install name $want_id, current version $want_current," \
     "compatibility version $want_compat; exports the $(printf '%s\n' "$api" | grep -c .) API symbols" \
     "and nothing else (besides zig's __mh_dylib_header and ___dso_handle)"
