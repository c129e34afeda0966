#!/usr/bin/env bash
# Installs what `make test-windows`, `make layout-proof` and
# `make porting-proof` need on a Debian 12 host:
#   - a Rust toolchain whose std sources match it (rustc-web, cargo-web,
#     rust-web-src), so `-Zbuild-std` can build std for targets that no
#     prebuilt std is installed for;
#   - the mingw-w64 cross compilers for 64-bit and 32-bit Windows, which also
#     bring Windows' own NAP headers (naptypes.h, napprotocol.h, ...);
#   - Wine, to run the Windows test executables.
# Safe to run again: packages already present are left alone.
set -euo pipefail

packages=(
  rustc-web cargo-web rust-web-src
  gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64
  gcc-mingw-w64-i686 g++-mingw-w64-i686
  wine64
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps (windows): all packages present"
  exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
echo "install-deps (windows): installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
