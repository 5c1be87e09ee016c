#!/bin/sh
# Runs "$@" against a throwaway PostgreSQL cluster: initdb as the postgres user into a temp dir,
# pg_ctl start on a private Unix socket (no TCP), then stop and remove it on exit, even on failure.
# Exports HC_PG_HOST (socket dir) and HC_PG_PORT for the command.
set -eu
PGBIN=${HC_PG_BIN:-/usr/lib/postgresql/15/bin}
PGUSER_OS=${HC_PG_OS_USER:-postgres}
as_pg() {
  if [ "$(id -un)" = "$PGUSER_OS" ]; then "$@"; else runuser -u "$PGUSER_OS" -- "$@"; fi
}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/hcpg-XXXXXX")
chmod 755 "$DIR"
chown "$PGUSER_OS" "$DIR"
cleanup() {
  rc=$?
  if [ -f "$DIR/data/postmaster.pid" ]; then
    as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate -w -t 20 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DIR"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Any port: the socket lives in our own directory and TCP is off.
PORT=$(( 20000 + $$ % 30000 ))
as_pg "$PGBIN/initdb" -D "$DIR/data" -U postgres -A trust --no-sync -E UTF8 --locale=C >"$DIR/initdb.log" 2>&1 \
  || { cat "$DIR/initdb.log" >&2; exit 1; }
as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 \
  -o "-p $PORT -k $DIR -c listen_addresses='' -c fsync=${HC_PG_FSYNC:-off} -c max_connections=50" start >/dev/null \
  || { cat "$DIR/server.log" >&2; exit 1; }
# A watchdog stops the cluster if this script dies without running its trap (SIGKILL, e.g. ctest's
# timeout): pg_ctl daemonizes the server, so nothing else would stop it.
WRAPPER=$$
setsid sh -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done
  if [ -f "$2/data/postmaster.pid" ]; then
    if [ "$(id -un)" = "$4" ]; then "$3/pg_ctl" -D "$2/data" -m immediate -w -t 20 stop
    else runuser -u "$4" -- "$3/pg_ctl" -D "$2/data" -m immediate -w -t 20 stop; fi
  fi >/dev/null 2>&1
  rm -rf "$2"' hc-pg-watchdog "$WRAPPER" "$DIR" "$PGBIN" "$PGUSER_OS" </dev/null >/dev/null 2>&1 &
export HC_PG_HOST="$DIR" HC_PG_PORT="$PORT"
"$@"
