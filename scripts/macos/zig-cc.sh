#!/usr/bin/env bash
# zig as the Mach-O linker for rustc: `zig cc -target <arch>-macos ...`.
#
#   CARGO_TARGET_<TRIPLE>_LINKER=scripts/macos/zig-cc.sh
#   NAPUTIL_ZIG_TARGET=x86_64-macos | aarch64-macos
#   ZIG="python3 -m ziglang"   (default; zig from PyPI's ziglang package)
#   PYTHON=python3             (runs hide-symbols.py)
#
# rustc calls its linker the way it calls Apple's clang; the only argument
# zig's clang does not take from a cross host is `-arch <name>`, which the
# -target already says. zig's macOS libc stubs have no libiconv, which Rust's
# libc crate asks for (-liconv) although naputil uses none of it; stubs/
# holds an empty stand-in with the real install name.
#
# For a dylib rustc passes the symbols to export, the library's API, as
# -exported_symbols_list; zig's linker accepts that option but exports every
# external symbol, Rust's own included. So a dylib link with such a list is
# done in two steps: the objects and archives are linked into one object
# (`zig cc -r`), hide-symbols.py makes every external symbol not on the list
# private there, and the dylib is linked from that object with the other
# arguments (see docs/PLATFORMS.md).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
stubs=$here/stubs

: "${NAPUTIL_ZIG_TARGET:?set NAPUTIL_ZIG_TARGET, e.g. x86_64-macos}"
read -r -a zig <<< "${ZIG:-python3 -m ziglang}"

# Every argument but `-arch <name>`, in order; and the same split into the
# objects and archives to combine, the export list, and everything else
# (with the combined object standing where the first input stood).
all=()
rest=()
inputs=()
export_list=
dylib=0
skip=0
for ((i = 1; i <= $#; i++)); do
  arg=${!i}
  if [ "$skip" = 1 ]; then skip=0; continue; fi
  case "$arg" in
    -arch) skip=1; continue ;;
  esac
  all+=("$arg")
  case "$arg" in
    -Wl,-exported_symbols_list)
      next=$((i + 1)); export_list=${!next#-Wl,}; all+=("${!next}"); skip=1 ;;
    -Wl,-exported_symbols_list,*) export_list=${arg#-Wl,-exported_symbols_list,} ;;
    -dynamiclib | -shared) dylib=1; rest+=("$arg") ;;
    *.o | *.rlib | *.a)
      if [ -f "$arg" ]; then
        [ "${#inputs[@]}" -gt 0 ] || rest+=("@combined@")
        inputs+=("$arg")
      else
        rest+=("$arg")
      fi ;;
    *) rest+=("$arg") ;;
  esac
done

if [ "$dylib" = 1 ] && [ -n "$export_list" ] && [ "${#inputs[@]}" -gt 0 ]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/naputil-zig-link.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  "${zig[@]}" cc -target "$NAPUTIL_ZIG_TARGET" -r -o "$work/exports.o" "${inputs[@]}"
  "${PYTHON:-python3}" "$here/hide-symbols.py" "$work/exports.o" "$export_list"
  "${zig[@]}" cc -target "$NAPUTIL_ZIG_TARGET" "${rest[@]/#@combined@/$work/exports.o}" -L"$stubs"
else
  exec "${zig[@]}" cc -target "$NAPUTIL_ZIG_TARGET" "${all[@]}" -L"$stubs"
fi
