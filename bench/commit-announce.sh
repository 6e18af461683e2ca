#!/usr/bin/env bash
# What the outbox's wake-up costs the database's commits: pgbench clients committing one outbox row
# each, with every commit announced (no relay awake) and with none (a relay awake), against the
# same insert into a table without the trigger. A diagnostic for docs/performance.md, not a
# scenario (not in CI). Needs PostgreSQL (DATABASE_URL, default the local one) and pgbench.
#
#   bash bench/commit-announce.sh                                  about 2.5 minutes
#   ANNOUNCE_CLIENTS=1,4,16,32 ANNOUNCE_ROUNDS=3 bash bench/commit-announce.sh
set -euo pipefail
# shellcheck source=bench/prepare.sh
source "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"
pnpm exec tsc -p bench/tsconfig.json
pg_lease=0
cleanup() {
  local rc=$?
  if [ "$pg_lease" = 1 ]; then PG_LEASE_PID=$$ bash infra/postgres.sh stop || true; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL="$(PG_LEASE_PID=$$ bash infra/postgres.sh ensure)"
  export DATABASE_URL
  # Only the private cluster is ever stopped, and only through this run's lease.
  case "$DATABASE_URL" in *":${PG_PRIVATE_PORT:-55432}/"*) pg_lease=1 ;; esac
fi
node bench/dist/diagnostics/commit-announce.js
