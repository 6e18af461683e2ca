# shellcheck shell=bash
# Sourced by infra/kafka/kafka.sh and infra/postgres.sh: an instance lock and "leases", so that
# several test runs can share one local server and only the last one out stops it.
#
# A lease is a file <instance>/leases/<pid> naming a live process (a jest run) that uses the
# server. A server started for a lease is marked (<instance>/started-by = "lease"); `stop` with a
# lease releases it and stops the server only when that marker is set and no live lease is left.
# A server started by hand is never stopped through a lease.
#
# Callers set LEASE_DIR_ROOT (the instance dir) before using these functions.

# Serialise start/stop of one instance across processes (fd 8, released on exit).
instance_lock() {
  mkdir -p "$LEASE_DIR_ROOT"
  exec 8>"$LEASE_DIR_ROOT/.lock"
  if command -v flock >/dev/null 2>&1; then
    flock 8
  fi
}

lease_valid_pid() { [[ "${1:-}" =~ ^[0-9]+$ ]] && [ "$1" -gt 1 ]; }

lease_add() {
  local pid="$1"
  lease_valid_pid "$pid" || { echo "lease pid must be a process id, got '$pid'" >&2; return 1; }
  mkdir -p "$LEASE_DIR_ROOT/leases"
  date -u +%FT%TZ >"$LEASE_DIR_ROOT/leases/$pid"
}

lease_release() {
  local pid="$1"
  lease_valid_pid "$pid" && rm -f "$LEASE_DIR_ROOT/leases/$pid"
  return 0
}

# Prints the pids of live leases (dropping the leases of dead processes).
lease_live_pids() {
  local f pid
  [ -d "$LEASE_DIR_ROOT/leases" ] || return 0
  for f in "$LEASE_DIR_ROOT/leases"/*; do
    [ -e "$f" ] || continue
    pid="$(basename "$f")"
    if lease_valid_pid "$pid" && kill -0 "$pid" 2>/dev/null; then
      echo "$pid"
    else
      rm -f "$f"
    fi
  done
}

started_by() { cat "$LEASE_DIR_ROOT/started-by" 2>/dev/null || true; }
set_started_by() { echo "$1" >"$LEASE_DIR_ROOT/started-by"; }
clear_started_by() { rm -f "$LEASE_DIR_ROOT/started-by"; }
