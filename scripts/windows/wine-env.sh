# Sourced by wine-run.sh and wineserver.sh: the Wine loader and server to
# use, and the environment every Windows test program runs in.
#
#   WINE          the loader (default: /usr/lib/wine/wine64, else wine)
#   WINESERVER    the server that goes with it
#   WINEPREFIX    default: target/windows/wineprefix in the repository
_wine_env_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [ -z "${WINE:-}" ]; then
  if [ -x /usr/lib/wine/wine64 ]; then WINE=/usr/lib/wine/wine64; else WINE=wine; fi
fi
WINESERVER=$(dirname "$(command -v "$WINE" || echo "$WINE")")/wineserver
[ -x "$WINESERVER" ] || WINESERVER=wineserver
export WINEPREFIX=${WINEPREFIX:-$_wine_env_repo/target/windows/wineprefix}
export WINEDEBUG=${WINEDEBUG:--all}
# No desktop, no dialogs: a crashing test must fail, not wait for a click.
export DISPLAY=
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-winemenubuilder.exe=d;mscoree=d;mshtml=d}
unset _wine_env_repo

# Creates the prefix on first use, and waits for the server that did it to
# exit, so that what runs next starts from no server at all.
wine_ensure_prefix() {
  if [ ! -f "$WINEPREFIX/system.reg" ]; then
    mkdir -p "$WINEPREFIX"
    "$WINE" wineboot --init </dev/null >/dev/null 2>&1 || true
    "$WINESERVER" -w </dev/null >/dev/null 2>&1 || true
  fi
}
