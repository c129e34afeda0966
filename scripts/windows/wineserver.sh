#!/usr/bin/env bash
# Keeps one Wine server up for a whole test run.
#
#   wineserver.sh start    create the prefix if needed and start a server that
#                          stays up until `stop` (harmless if one is running)
#   wineserver.sh stop     stop it, and wait until it is gone
#
# Without this, each test program starts Wine on its own, and Wine's server
# lingers for a few seconds after the last program ends. A program started
# just as that server exits fails with "wine client error: ... recvmsg:
# Connection reset by peer"; in a loop over the Windows test programs this
# happened to about one run in thirty. With one server held up for the run,
# it did not happen in 120 runs.
#
# The server is started with its standard streams on /dev/null so it never
# holds a pipe open (a CI log reader would wait for it otherwise).
# Environment: WINEPREFIX and WINE, as for wine-run.sh.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
if [ -z "${WINE:-}" ]; then
  if [ -x /usr/lib/wine/wine64 ]; then WINE=/usr/lib/wine/wine64; else WINE=wine; fi
fi
export WINEPREFIX=${WINEPREFIX:-$repo/target/windows/wineprefix}
export WINEDEBUG=${WINEDEBUG:--all}
server=$(dirname "$(command -v "$WINE")")/wineserver
[ -x "$server" ] || server=wineserver

case "${1:-}" in
  start)
    if [ ! -f "$WINEPREFIX/system.reg" ]; then
      # wine-run.sh creates the prefix on first use; run a no-op through it.
      "$here/wine-run.sh" cmd /c exit 0 </dev/null >/dev/null 2>&1 || true
    fi
    # Exit status 2: a server for this prefix is already running.
    "$server" -p </dev/null >/dev/null 2>&1 || true
    ;;
  stop)
    "$server" -k </dev/null >/dev/null 2>&1 || true
    "$server" -w </dev/null >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
