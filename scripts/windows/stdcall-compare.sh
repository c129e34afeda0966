#!/bin/sh
# __stdcall proof for 32-bit Windows: the symbols that calls through
# Windows' headers (first object) and through napUtil.h (second object)
# reference must be the same decorated names (_Name@bytes). dllimport
# (__imp_) is not part of the calling convention and is ignored.
set -eu

NM=${WIN32_NM:-i686-w64-mingw32-nm}
names() { "$NM" -u "$1" | awk '{print $2}' | sed 's/^__imp_//' | grep '@' | sort; }

names "$1" > "$1.names"
names "$2" > "$2.names"
if ! diff -u "$1.names" "$2.names"; then
    echo "stdcall: napUtil.h and Windows' headers disagree on i686 (see above)"
    exit 1
fi
n=$(wc -l < "$1.names")
if [ "$n" -lt 20 ]; then
    echo "stdcall: only $n decorated symbols found; expected every NapUtil.h function"
    exit 1
fi
echo "stdcall: $n functions are __stdcall on i686-w64-mingw32 with the same" \
     "decorated names as Windows' headers (e.g. $(grep AllocConnections "$1.names"))"
