#!/usr/bin/env bash
# Make a PostgreSQL server available for local development and tests, and print its admin URL.
#
#   infra/postgres.sh ensure   print an admin URL (a database where CREATE DATABASE works) on stdout
#   infra/postgres.sh stop     stop the private cluster, only if this script started it
#
# `ensure` tries, in order:
#   1. a server already answering on 127.0.0.1:${PGPORT:-5432} that lets user postgres in
#      without a password  ->  postgres://postgres@127.0.0.1:5432/postgres
#   2. the machine's own Debian cluster (pg_ctlcluster --skip-systemctl-redirect <ver> main start),
#      then the same check again
#   3. a private, disposable cluster in <repo>/.run/postgres built with Debian's server binaries
#      (/usr/lib/postgresql/<ver>/bin): trust auth, 127.0.0.1:${PG_PRIVATE_PORT:-55432}, unix socket
#      inside the instance dir, fsync off (test data only). Its pid file is postgres' own
#      data/postmaster.pid; <instance>/started-by records that this script started it.
# Only the URL goes to stdout; everything else to stderr. Exit non-zero, naming what is missing,
# when none of these works.
#
# Settings: PGPORT (5432), PG_INSTANCE_DIR (<repo>/.run/postgres), PG_PRIVATE_PORT (55432).
# PG_LEASE_PID (test harness): pid of the process using the private cluster. `ensure` records a
# lease when it hands out the private cluster; `stop` releases it and stops the cluster only if a
# lease started it and no other live lease remains (infra/lib/leases.sh). `stop` without it
# stops the private cluster whenever this script started it.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"

SYSTEM_PORT="${PGPORT:-5432}"
INSTANCE_DIR="${PG_INSTANCE_DIR:-$REPO_ROOT/.run/postgres}"
PRIVATE_PORT="${PG_PRIVATE_PORT:-55432}"
DATA_DIR="$INSTANCE_DIR/data"
LOG_FILE="$INSTANCE_DIR/postgres.log"
LEASE_DIR_ROOT="$INSTANCE_DIR"
LEASE_PID="${PG_LEASE_PID:-}"

# shellcheck source=infra/lib/leases.sh
. "$SCRIPT_DIR/lib/leases.sh"

INSTALL_HINT="hint: apt-get install postgresql"

log() { echo "postgres.sh: $*" >&2; }
die() { echo "postgres.sh: error: $*" >&2; exit 1; }

url_for() { echo "postgres://postgres@127.0.0.1:$1/postgres"; }

# Answers, and lets postgres in without a password (the URL we print carries none).
usable() {
  local port="$1"
  command -v pg_isready >/dev/null 2>&1 || return 1
  pg_isready -q -h 127.0.0.1 -p "$port" -t 3 || return 1
  if command -v psql >/dev/null 2>&1; then
    if ! PGCONNECT_TIMEOUT=5 psql -X -w -q -h 127.0.0.1 -p "$port" -U postgres -d postgres \
      -tAc 'select 1' >/dev/null 2>&1; then
      log "127.0.0.1:$port answers but refuses user postgres without a password"
      return 1
    fi
  fi
  return 0
}

# ---------------------------------------------------------------------------------------------
# 2. the machine's cluster

start_system_cluster() {
  command -v pg_ctlcluster >/dev/null 2>&1 || return 1
  local ver="" cluster="main"
  if command -v pg_lsclusters >/dev/null 2>&1; then
    # columns: Ver Cluster Port Status Owner Datadir Logfile. No cluster on that port: nothing
    # of the machine's to start.
    read -r ver cluster < <(pg_lsclusters -h 2>/dev/null | awk -v p="$SYSTEM_PORT" '$3 == p { print $1, $2; exit }') || true
    [ -n "$ver" ] || return 1
  else
    ver="$(find /etc/postgresql -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null | sort -V | tail -n1)"
    cluster="main"
  fi
  [ -n "$ver" ] && [ -d "/etc/postgresql/$ver/$cluster" ] || return 1
  log "starting the machine's cluster $ver/$cluster (pg_ctlcluster)"
  pg_ctlcluster --skip-systemctl-redirect "$ver" "$cluster" start >&2 || return 1
  for _ in $(seq 1 20); do
    usable "$SYSTEM_PORT" && return 0
    sleep 0.5
  done
  return 1
}

# ---------------------------------------------------------------------------------------------
# 3. private cluster

pg_bindir() {
  local d
  # Newest installed server first.
  for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return 0
  fi
  return 1
}

# initdb/postgres refuse to run as root: run them as the postgres user then.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root and there is no 'postgres' user to own the private cluster; $INSTALL_HINT"
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

private_running() {
  [ -f "$DATA_DIR/postmaster.pid" ] && as_owner "$BINDIR/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1
}

start_private_cluster() {
  BINDIR="$(pg_bindir)" || return 1

  mkdir -p "$INSTANCE_DIR"
  instance_lock
  [ -z "$LEASE_PID" ] || lease_add "$LEASE_PID"

  if private_running && usable "$PRIVATE_PORT"; then
    log "private cluster already running ($INSTANCE_DIR, port $PRIVATE_PORT)"
    return 0
  fi

  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root and there is no 'postgres' user to own the private cluster; $INSTALL_HINT"
    chown postgres: "$INSTANCE_DIR"
    runuser -u postgres -- test -w "$INSTANCE_DIR" ||
      die "user postgres cannot write $INSTANCE_DIR (a parent directory is not searchable); set PG_INSTANCE_DIR"
  fi

  if [ ! -s "$DATA_DIR/PG_VERSION" ]; then
    log "initialising a private cluster in $DATA_DIR ($BINDIR/initdb)"
    as_owner "$BINDIR/initdb" -D "$DATA_DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
      --no-instructions >"$INSTANCE_DIR/initdb.log" 2>&1 || {
      tail -n 20 "$INSTANCE_DIR/initdb.log" >&2
      die "initdb failed (see $INSTANCE_DIR/initdb.log)"
    }
    as_owner tee -a "$DATA_DIR/postgresql.conf" >/dev/null <<EOF

# Added by infra/postgres.sh: private, disposable cluster for development and tests.
listen_addresses = '127.0.0.1'
port = $PRIVATE_PORT
unix_socket_directories = '$INSTANCE_DIR'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  fi

  if usable "$PRIVATE_PORT"; then
    die "127.0.0.1:$PRIVATE_PORT is used by another server; set PG_PRIVATE_PORT"
  fi

  log "starting the private cluster on 127.0.0.1:$PRIVATE_PORT"
  [ "$(id -u)" -ne 0 ] || { touch "$LOG_FILE"; chown postgres: "$LOG_FILE"; }
  # pg_ctl forks the postmaster with its own stdio on the log file; -w waits for readiness.
  # The lock fd is not handed down (the postmaster would hold the lock for its lifetime).
  if ! as_owner "$BINDIR/pg_ctl" -D "$DATA_DIR" -l "$LOG_FILE" -w -t 60 \
    -o "-p $PRIVATE_PORT -k $INSTANCE_DIR -c listen_addresses=127.0.0.1" start </dev/null >&2 8>&-; then
    tail -n 30 "$LOG_FILE" >&2 || true
    die "the private cluster did not start (see $LOG_FILE)"
  fi
  if [ -n "$LEASE_PID" ]; then set_started_by lease; else set_started_by hand; fi
  usable "$PRIVATE_PORT"
}

# ---------------------------------------------------------------------------------------------

cmd_ensure() {
  if usable "$SYSTEM_PORT"; then
    log "using the server on 127.0.0.1:$SYSTEM_PORT"
    url_for "$SYSTEM_PORT"
    return 0
  fi
  if start_system_cluster; then
    log "using the machine's cluster on 127.0.0.1:$SYSTEM_PORT"
    url_for "$SYSTEM_PORT"
    return 0
  fi
  if start_private_cluster; then
    url_for "$PRIVATE_PORT"
    return 0
  fi
  if ! pg_bindir >/dev/null; then
    die "no PostgreSQL server on 127.0.0.1:$SYSTEM_PORT and no server binaries (initdb, pg_ctl) to start one; $INSTALL_HINT"
  fi
  die "could not make a PostgreSQL server available"
}

cmd_stop() {
  local others
  if [ ! -d "$INSTANCE_DIR" ]; then
    log "nothing to stop: no private cluster in $INSTANCE_DIR"
    return 0
  fi
  instance_lock
  if [ -n "$LEASE_PID" ]; then
    lease_release "$LEASE_PID"
    others="$(lease_live_pids | tr '\n' ' ')"
    if [ -n "$others" ]; then
      log "leaving the private cluster running: still used by pid(s) $others"
      return 0
    fi
    if [ "$(started_by)" = "hand" ]; then
      log "leaving the private cluster running: it was not started for a test run"
      return 0
    fi
  fi
  if [ -z "$(started_by)" ]; then
    log "nothing to stop: this script has not started a private cluster in $INSTANCE_DIR"
    return 0
  fi
  BINDIR="$(pg_bindir)" || die "server binaries not found; cannot stop $DATA_DIR"
  if [ -f "$DATA_DIR/postmaster.pid" ]; then
    log "stopping the private cluster ($DATA_DIR)"
    as_owner "$BINDIR/pg_ctl" -D "$DATA_DIR" -m fast -w -t 60 stop >&2 || die "pg_ctl stop failed"
  else
    log "private cluster not running"
  fi
  clear_started_by
}

case "${1:-}" in
  ensure) cmd_ensure ;;
  stop) cmd_stop ;;
  *)
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
