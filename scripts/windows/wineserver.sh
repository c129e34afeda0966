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
# shellcheck source=wine-env.sh
. "$here/wine-env.sh"

case "${1:-}" in
  start)
    wine_ensure_prefix
    # Exit status 2: a server for this prefix is already running (one a
    # program left lingering); wait for it to go, then start ours.
    if ! "$WINESERVER" -p </dev/null >/dev/null 2>&1; then
      "$WINESERVER" -w </dev/null >/dev/null 2>&1 || true
      "$WINESERVER" -p </dev/null >/dev/null 2>&1 || true
    fi
    ;;
  stop)
    "$WINESERVER" -k </dev/null >/dev/null 2>&1 || true
    "$WINESERVER" -w </dev/null >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
