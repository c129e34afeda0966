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
# shellcheck source=wine-env.sh
. "$here/wine-env.sh"

wine_ensure_prefix

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
