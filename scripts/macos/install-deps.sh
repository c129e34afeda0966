#!/usr/bin/env bash
# Installs what `make check-macos` needs on a Linux host:
#   - the Debian Rust toolchain with matching std sources (see
#     scripts/windows/install-deps.sh), to build std for the Apple targets
#     with -Zbuild-std;
#   - zig (the `ziglang` package from PyPI), whose bundled clang/lld and
#     macOS SDK stubs link Mach-O dylibs and executables;
#   - cargo-zigbuild (from crates.io), which drives cargo with zig as the
#     linker.
# Safe to run again: whatever is already present is left alone.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

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

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -m ziglang version >/dev/null 2>&1; then
  echo "install-deps (macos): installing ziglang from PyPI"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check ziglang
fi
echo "install-deps (macos): zig $("$PYTHON" -m ziglang version)"

CARGO_HOME=${CARGO_HOME:-$HOME/.cargo}
if ! command -v cargo-zigbuild >/dev/null 2>&1 && [ ! -x "$CARGO_HOME/bin/cargo-zigbuild" ]; then
  echo "install-deps (macos): building cargo-zigbuild from crates.io"
  # Built with the Debian cargo so the host needs no other Rust toolchain.
  RUSTC=/usr/bin/rustc /usr/bin/cargo install --locked --quiet cargo-zigbuild
fi
echo "install-deps (macos): $("$CARGO_HOME/bin/cargo-zigbuild" --version 2>/dev/null || cargo-zigbuild --version)"
