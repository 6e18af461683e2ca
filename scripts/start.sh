#!/usr/bin/env bash
# Brings the local platform up: Kafka (KRaft, from Maven Central jars) and PostgreSQL, a municipal
# node (120000) and a district node (120101), each with its own database and jurisdiction; seeds
# demo data; prints the endpoints; and stops everything it started on Ctrl-C.
#
#   bash scripts/start.sh            # nodes 120000 and 120101
#   JINLIAN_DISTRICTS="120101 120102" bash scripts/start.sh
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$(pwd)"
source scripts/toolchain.sh

RUN_DIR="$REPO/.run/platform"
mkdir -p "$RUN_DIR"
DISTRICTS="${JINLIAN_DISTRICTS:-120101}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
export KAFKA_INSTANCE_DIR="$REPO/.run/kafka" KAFKA_PORT

say() { printf '\033[1mjinlian:\033[0m %s\n' "$*" >&2; }

say "installing dependencies and building"
pnpm install --frozen-lockfile --reporter=silent
pnpm --silent build

started_kafka=0
if ! bash infra/kafka/kafka.sh status >/dev/null 2>&1; then
  bash infra/kafka/kafka.sh start
  started_kafka=1
fi
ADMIN_URL="$(bash infra/postgres.sh ensure)"

pids=()
cleanup() {
  trap - INT TERM EXIT
  say "stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -f "$RUN_DIR"/*.pid
  if [ "$started_kafka" = 1 ]; then bash infra/kafka/kafka.sh stop || true; fi
  say "stopped"
}
trap cleanup INT TERM EXIT

db_url() { # admin URL with the database replaced
  node -e 'const u = new URL(process.argv[1]); u.pathname = "/" + process.argv[2]; console.log(u.toString())' "$ADMIN_URL" "$1"
}

start_node() { # jurisdiction grpc-port metrics-port
  local code="$1" port="$2" metrics="$3"
  JINLIAN_JURISDICTION="$code" GRPC_PORT="$port" METRICS_PORT="$metrics" \
    DATABASE_URL="$(db_url "jinlian_$code")" KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT" \
    OTEL_SERVICE_NAME="jinlian-$code" LOG_LEVEL="${LOG_LEVEL:-info}" \
    setsid node --require ./packages/chassis/dist/telemetry/bootstrap.js packages/node/dist/main.js \
    >"$RUN_DIR/node-$code.log" 2>&1 &
  local pid=$! # setsid: Ctrl-C reaches only this script, which then stops each node once, gracefully
  pids+=("$pid")
  echo "$pid" >"$RUN_DIR/node-$code.pid"
}

wait_ready() { # jurisdiction
  local code="$1" deadline=$((SECONDS + 120))
  until grep -q '"msg":"node ready"' "$RUN_DIR/node-$code.log" 2>/dev/null; do
    if ! kill -0 "$(cat "$RUN_DIR/node-$code.pid")" 2>/dev/null || [ $SECONDS -gt $deadline ]; then
      say "node $code failed to start; last log lines:"
      tail -n 30 "$RUN_DIR/node-$code.log" >&2
      exit 1
    fi
    sleep 0.5
  done
}

say "starting the municipal node 120000 and district node(s) $DISTRICTS"
start_node 120000 50051 9464
port=50052
metrics=9465
declare -A endpoints=([120000]="127.0.0.1:50051")
declare -A metrics_ports=([120000]=9464)
for d in $DISTRICTS; do
  start_node "$d" "$port" "$metrics"
  endpoints[$d]="127.0.0.1:$port"
  metrics_ports[$d]="$metrics"
  port=$((port + 1))
  metrics=$((metrics + 1))
done
wait_ready 120000
for d in $DISTRICTS; do wait_ready "$d"; done

first_district="${DISTRICTS%% *}"
say "seeding demo data"
node scripts/demo/seed.mts "${endpoints[120000]}" "${endpoints[$first_district]}" 2>&1 | grep -v ExperimentalWarning || true

cat <<MSG

  Jinlian is up.

    Kafka        127.0.0.1:$KAFKA_PORT
    PostgreSQL   ${ADMIN_URL%/*}/jinlian_<jurisdiction>
MSG
for code in 120000 $DISTRICTS; do
  printf '    node %s  gRPC %s   metrics http://127.0.0.1:%s/metrics   log .run/platform/node-%s.log\n' \
    "$code" "${endpoints[$code]}" "${metrics_ports[$code]}" "$code"
done
cat <<MSG

  Try (grpcurl lists and calls everything through reflection):
    grpcurl -plaintext ${endpoints[120000]} list
    grpcurl -plaintext -d '{"filter":{"origin":"ORIGIN_RECEIVED"}}' ${endpoints[$first_district]} jinlian.bulletins.v1.BulletinsService/ListBulletins
    grpcurl -plaintext ${endpoints[120000]} jinlian.liaison.v1.MechanismService/GetMechanismRollUp
  or, without grpcurl (any method of any service):
    node scripts/demo/call.mts ${endpoints[$first_district]} ListBulletins '{"filter":{"origin":2}}'
    node scripts/demo/call.mts ${endpoints[120000]} GetMechanismRollUp
    node scripts/demo/call.mts ${endpoints[$first_district]} ListActionItems '{"filter":{"origin":"ACTION_ITEM_ORIGIN_ASSIGNED_BY_CITY"}}'

  Ctrl-C stops the nodes (and Kafka, if this script started it).
MSG

wait "${pids[@]}"
