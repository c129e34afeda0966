#!/usr/bin/env bash
# Runs a Windows executable under Wine, for the Windows tests.
#
#   wine-run.sh PROGRAM.exe [ARGS...]
#
# Environment:
#   WINEPREFIX        the Wine prefix to use; created (wineboot) on first use.
#                     Default: target/windows/wineprefix in the repository.
#   NAPUTIL_WIN_DLLS  extra directories (Linux paths, ':'-separated) to put on
#                     the DLL search path, e.g. the one holding naputil.dll.
#   WINE              the wine loader (default: /usr/lib/wine/wine64, else wine).
#
# The directory holding this script's bcryptprimitives.dll stand-in (see
# bcryptprimitives.c) must be in NAPUTIL_WIN_DLLS: Rust's std needs it.
# Windows programs end their lines with CR LF; callers that compare output
# strip the CR.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

if [ -z "${WINE:-}" ]; then
  if [ -x /usr/lib/wine/wine64 ]; then WINE=/usr/lib/wine/wine64; else WINE=wine; fi
fi
export WINEPREFIX=${WINEPREFIX:-$repo/target/windows/wineprefix}
export WINEDEBUG=${WINEDEBUG:--all}
# No desktop, no dialogs: a crashing test must fail, not wait for a click.
export DISPLAY=
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-winemenubuilder.exe=d;mscoree=d;mshtml=d}

if [ ! -f "$WINEPREFIX/system.reg" ]; then
  mkdir -p "$WINEPREFIX"
  "$WINE" wineboot --init >/dev/null 2>&1 || true
  wineserver_bin=$(dirname "$WINE")/wineserver
  [ -x "$wineserver_bin" ] || wineserver_bin=wineserver
  "$wineserver_bin" -w || true
fi

# Wine accepts Linux paths on drive Z: with forward slashes.
winepath=
IFS=: read -r -a dirs <<< "${NAPUTIL_WIN_DLLS:-}"
for d in "${dirs[@]}"; do
  [ -n "$d" ] || continue
  d=$(cd "$d" && pwd)
  winepath="${winepath:+$winepath;}Z:$d"
done
export WINEPATH="$winepath${WINEPATH:+;$WINEPATH}"

exec "$WINE" "$@"
