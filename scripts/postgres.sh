#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests and local development of PostgreSQL sources (olist).
#
#   scripts/postgres.sh start   # prints `export CONSTELLATION_PG_...=...` lines for `eval`
#   scripts/postgres.sh env     # the same lines for a server this script started (or one reachable)
#   scripts/postgres.sh stop    # stops and removes the server *this script* started; no-op otherwise
#
# start does nothing when a server is already reachable at $CONSTELLATION_PG_HOST:$CONSTELLATION_PG_PORT
# (e.g. CI service, a developer's own server). Otherwise it creates a cluster in a private temp
# folder owned by an unprivileged user (root may not run initdb: `runuser -u postgres`), listening
# on 127.0.0.1 only, on a free port, with `trust` authentication: it holds generated data only and
# lives for one test session, so there is no password to keep anywhere. The folder path is kept in
# $CONSTELLATION_PG_STATE (default /tmp/constellation-pg.<uid>.state) so `stop` finds it.
# With CONSTELLATION_PG_DATA_DIR set, the cluster lives in that folder instead and outlives `stop`
# (the next `start` reuses its data): the embedded default of a PostgreSQL-sourced pipeline.
# Installs Debian's `postgresql` package with apt-get when no initdb is found.
set -euo pipefail

STATE="${CONSTELLATION_PG_STATE:-/tmp/constellation-pg.$(id -u).state}"
DB="${CONSTELLATION_PG_DB:-constellation}"

log() { echo "postgres.sh: $*" >&2; }

reachable() {  # host port
  local host="$1" port="$2"
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$host" -p "$port" -t 2 >/dev/null 2>&1
  else
    (exec 3<>"/dev/tcp/$host/$port") >/dev/null 2>&1
  fi
}

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$d" ] || [ ! -x "$d/initdb" ]; then
    log "no PostgreSQL server binaries found; installing Debian's postgresql package"
    local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
    d=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  fi
  echo "$d"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

as_owner() {  # run a command as the cluster owner (postgres when we are root)
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

print_env() {  # host port user
  echo "export CONSTELLATION_PG_HOST=$1"
  echo "export CONSTELLATION_PG_PORT=$2"
  echo "export CONSTELLATION_PG_USER=$3"
  echo "export CONSTELLATION_PG_DB=$DB"
}

start() {
  if [ -n "${CONSTELLATION_PG_HOST:-}" ] && reachable "$CONSTELLATION_PG_HOST" "${CONSTELLATION_PG_PORT:-5432}"; then
    log "using the server already reachable at $CONSTELLATION_PG_HOST:${CONSTELLATION_PG_PORT:-5432}"
    print_env "$CONSTELLATION_PG_HOST" "${CONSTELLATION_PG_PORT:-5432}" "${CONSTELLATION_PG_USER:-postgres}"
    return 0
  fi
  if [ -f "$STATE" ]; then
    # shellcheck disable=SC1090
    . "$STATE"
    if reachable 127.0.0.1 "$PG_PORT"; then
      log "reusing the server this script started ($PG_DIR, port $PG_PORT)"
      print_env 127.0.0.1 "$PG_PORT" postgres
      return 0
    fi
    stop
  fi
  local bin dir port keep="" fresh=""
  bin=$(pg_bin)
  if [ -n "${CONSTELLATION_PG_DATA_DIR:-}" ]; then
    dir="$CONSTELLATION_PG_DATA_DIR"; keep=1; mkdir -p "$dir"
  else
    dir=$(mktemp -d /tmp/constellation-pg.XXXXXX)
  fi
  port=$(free_port)
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir" && chmod 700 "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    fresh=1
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; [ -z "$keep" ] && rm -rf "$dir"; exit 1; }
  fi
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { cat "$dir/server.log" >&2; [ -z "$keep" ] && rm -rf "$dir"; exit 1; }
  printf 'PG_DIR=%q\nPG_PORT=%q\nPG_BIN=%q\nPG_KEEP=%q\n' "$dir" "$port" "$bin" "$keep" >"$STATE"
  if [ -n "$fresh" ]; then
    "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
      -c "CREATE DATABASE $DB" >/dev/null
  fi
  log "started PostgreSQL on 127.0.0.1:$port (data in $dir)"
  print_env 127.0.0.1 "$port" postgres
}

stop() {
  [ -f "$STATE" ] || { log "nothing to stop (no server started by this script)"; return 0; }
  # shellcheck disable=SC1090
  . "$STATE"
  if [ -d "$PG_DIR/data" ]; then
    as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
  [ -n "${PG_KEEP:-}" ] || rm -rf "$PG_DIR"
  rm -f "$STATE"
  log "stopped the PostgreSQL server on port $PG_PORT"
}

env_() {
  if [ -f "$STATE" ]; then
    # shellcheck disable=SC1090
    . "$STATE"
    print_env 127.0.0.1 "$PG_PORT" postgres
  elif [ -n "${CONSTELLATION_PG_HOST:-}" ]; then
    print_env "$CONSTELLATION_PG_HOST" "${CONSTELLATION_PG_PORT:-5432}" "${CONSTELLATION_PG_USER:-postgres}"
  else
    log "no server started by this script; run: eval \"\$(scripts/postgres.sh start)\""
    return 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) env_ ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
