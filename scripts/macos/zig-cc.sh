#!/usr/bin/env bash
# zig as the Mach-O linker for rustc: `zig cc -target <arch>-macos ...`.
#
#   CARGO_TARGET_<TRIPLE>_LINKER=scripts/macos/zig-cc.sh
#   NAPUTIL_ZIG_TARGET=x86_64-macos | aarch64-macos
#   ZIG="python3 -m ziglang"   (default; zig from PyPI's ziglang package)
#
# rustc calls its linker the way it calls Apple's clang; the only argument
# zig's clang does not take from a cross host is `-arch <name>`, which the
# -target already says. zig's macOS libc stubs have no libiconv, which Rust's
# libc crate asks for (-liconv) although naputil uses none of it; stubs/
# holds an empty stand-in with the real install name. (zig's linker accepts
# -exported_symbols_list but does not apply it; see docs/PLATFORMS.md.)
set -euo pipefail

stubs=$(cd "$(dirname "$0")/stubs" && pwd)

: "${NAPUTIL_ZIG_TARGET:?set NAPUTIL_ZIG_TARGET, e.g. x86_64-macos}"
read -r -a zig <<< "${ZIG:-python3 -m ziglang}"

args=()
drop_next=0
for arg in "$@"; do
  if [ "$drop_next" = 1 ]; then drop_next=0; continue; fi
  case "$arg" in
    -arch) drop_next=1 ;;
    *) args+=("$arg") ;;
  esac
done
exec "${zig[@]}" cc -target "$NAPUTIL_ZIG_TARGET" "${args[@]}" -L"$stubs"
