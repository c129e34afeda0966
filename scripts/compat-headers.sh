#!/bin/sh
# The forwarding headers of include/compat under every spelling Windows code
# uses: each canonical file (named as Windows names it, NapTypes.h), its
# all-lower-case form (as mingw-w64 names it, naptypes.h) and the spellings
# listed in include/compat/spellings (Naptypes.h). Every spelling gets the
# canonical file's bytes, so on a case-insensitive file system, where some
# spellings are one file, whichever is written last is still right.
#
#   compat-headers.sh --list    print the file names, one a line, sorted
#   compat-headers.sh DIR       write every spelling into DIR (created)
#
# A new header is one new canonical file in include/compat (and, if code
# spells it yet another way, one line in include/compat/spellings).
set -eu

src=$(cd "$(dirname "$0")/../include/compat" && pwd)
list=$src/spellings

lower() { printf '%s\n' "$1" | tr '[:upper:]' '[:lower:]'; }

# Prints "CANONICAL SPELLING" for every spelling of every header.
pairs() {
    for path in "$src"/*.h; do
        name=$(basename "$path")
        printf '%s %s\n' "$name" "$name"
        [ "$(lower "$name")" = "$name" ] || printf '%s %s\n' "$name" "$(lower "$name")"
    done
    sed -e 's/#.*//' "$list" | while read -r name extra; do
        [ -n "$name" ] || continue
        if [ ! -f "$src/$name" ]; then
            echo "compat-headers: $list names $name, which is not in include/compat" >&2
            exit 1
        fi
        [ -n "$extra" ] || { echo "compat-headers: $list: $name has no spelling" >&2; exit 1; }
        for spelling in $extra; do
            if [ "$(lower "$spelling")" != "$(lower "$name")" ]; then
                echo "compat-headers: $list: $spelling is not a spelling of $name" >&2
                exit 1
            fi
            printf '%s %s\n' "$name" "$spelling"
        done
    done
}

all=$(pairs) || exit 1
all=$(printf '%s\n' "$all" | sort -u -k2,2)

case ${1:?usage: compat-headers.sh --list | DIR} in
--list)
    printf '%s\n' "$all" | awk '{print $2}'
    ;;
*)
    mkdir -p "$1"
    printf '%s\n' "$all" | while read -r name spelling; do
        cp "$src/$name" "$1/$spelling"
    done
    ;;
esac
