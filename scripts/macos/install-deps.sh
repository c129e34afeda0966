#!/usr/bin/env bash
# Installs what `make check-macos` needs on a Linux host:
#   - the Debian Rust toolchain with matching std sources (see
#     scripts/windows/install-deps.sh), to build std for the Apple targets
#     with -Zbuild-std;
#   - zig (the `ziglang` package from PyPI), whose bundled clang, Mach-O
#     linker and macOS libc stubs link dylibs and executables
#     (scripts/macos/zig-cc.sh makes it rustc's linker).
# Safe to run again: whatever is already present is left alone.
set -euo pipefail

# The Debian toolchain (rustc-web, cargo-web, rust-web-src).
SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
missing=()
for p in rustc-web cargo-web rust-web-src; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps (macos): installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The zig release the macOS checks were proven with; override to try another.
ZIGLANG_VERSION=${ZIGLANG_VERSION:-0.17.1}
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -m ziglang version >/dev/null 2>&1; then
  echo "install-deps (macos): installing ziglang $ZIGLANG_VERSION from PyPI"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check "ziglang==$ZIGLANG_VERSION"
fi
echo "install-deps (macos): zig $("$PYTHON" -m ziglang version)"
