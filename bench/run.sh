#!/usr/bin/env bash
# Runs the Jinlian benchmarks and prints the table of ratios (see bench/README.md).
#
#   bash bench/run.sh                         everything, about 12 minutes on 2 cores
#   BENCH_ONLY=grpc-memory bash bench/run.sh  one scenario (comma list)
#
# Infrastructure, each only when not given:
#   KAFKA_BROKERS unset -> a private broker: .run/kafka-bench, 127.0.0.1:29092 (controller 29093),
#                          empty at start; stopped at the end if this script started it.
#   DATABASE_URL unset  -> infra/postgres.sh ensure (the local server on 5432 when it lets user
#                          postgres in, otherwise a private cluster, stopped at the end if this
#                          script's lease was its last user).
# Either way the run works in a throwaway database (jl_bench_*) and topics (bench-*), both removed
# at the end. Workspace packages are compiled first (tsc -b, as `pnpm build` does) and the bench
# to bench/dist, so what runs is the same JavaScript a node runs. Results: the table on
# stdout, JSON in .run/bench/latest.json (BENCH_OUT). Other knobs: BENCH_SCALE, BENCH_REPS,
# BENCH_PROFILE=1, BENCH_TELEMETRY=off, BENCH_NODE_OPTIONS, BENCH_REPORT=0 (see bench/README.md).
# CI runs a short variant after the tests: bench/smoke.sh.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
# shellcheck source=scripts/toolchain.sh
source scripts/toolchain.sh

BENCH_KAFKA_PORT="${BENCH_KAFKA_PORT:-29092}"
KAFKA_ENV=(
  "KAFKA_INSTANCE_DIR=$REPO_ROOT/.run/kafka-bench"
  "KAFKA_PORT=$BENCH_KAFKA_PORT"
  "KAFKA_CONTROLLER_PORT=$((BENCH_KAFKA_PORT + 1))"
  "KAFKA_EPHEMERAL=1"
)
PG_PRIVATE_PORT="${PG_PRIVATE_PORT:-55432}"
started_kafka=0
pg_lease=0

cleanup() {
  local rc=$?
  if [ "$started_kafka" = 1 ]; then env "${KAFKA_ENV[@]}" bash infra/kafka/kafka.sh stop || true; fi
  if [ "$pg_lease" = 1 ]; then PG_LEASE_PID=$$ bash infra/postgres.sh stop || true; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "bench/run.sh: $*" >&2; }

# Build: dependencies, generated contracts (only if missing), workspace dist/, then the bench.
[ -d node_modules/.pnpm ] || pnpm install --frozen-lockfile
[ -f proto/gen/jinlian.binpb ] || pnpm gen
log "compiling the workspace (tsc -b tsconfig.build.json) and the bench (to bench/dist)"
pnpm exec tsc -b tsconfig.build.json
rm -rf bench/dist
pnpm exec tsc -p bench/tsconfig.json

if [ -z "${KAFKA_BROKERS:-}" ]; then
  if env "${KAFKA_ENV[@]}" bash infra/kafka/kafka.sh status >/dev/null 2>&1; then
    log "a broker already runs in .run/kafka-bench: using it and leaving it running"
  else
    started_kafka=1
    env "${KAFKA_ENV[@]}" bash infra/kafka/kafka.sh start
  fi
  export KAFKA_BROKERS="127.0.0.1:$BENCH_KAFKA_PORT"
fi

if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL="$(PG_LEASE_PID=$$ bash infra/postgres.sh ensure)"
  export DATABASE_URL
  # Only the private cluster is ever stopped, and only through this run's lease.
  case "$DATABASE_URL" in *":$PG_PRIVATE_PORT/"*) pg_lease=1 ;; esac
fi

# Every worker and the footprint's nodes run with the node image's V8 settings (k8s/image/Dockerfile),
# both variants alike, unless BENCH_NODE_OPTIONS says otherwise (empty: Node's defaults).
BENCH_NODE_OPTIONS="${BENCH_NODE_OPTIONS-$(bash scripts/image-node-options.sh)}"
export BENCH_NODE_OPTIONS
node --disable-warning=TimeoutNegativeWarning bench/dist/run.js
# The event path's chart and table (bench/results/), when that scenario ran.
if [ "${BENCH_REPORT:-1}" = 1 ] && { [ -z "${BENCH_OUT:-}" ] || [ -f "${BENCH_OUT:-}" ]; }; then
  node bench/report.mts "${BENCH_OUT:-.run/bench/latest.json}"
fi
# A node per service: time to SERVING and idle RSS (bench/results/footprint.md).
if [ "${BENCH_FOOTPRINT:-0}" = 1 ]; then node bench/footprint.mts; fi
