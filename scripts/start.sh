#!/usr/bin/env bash
# Brings the local platform up: Kafka (KRaft, from Maven Central jars) and PostgreSQL, a municipal
# node (120000) and district nodes (120101 by default), each with its own database and
# jurisdiction; seeds demo data; prints the endpoints; and stops everything it started on Ctrl-C
# or SIGTERM (exit 0 once stopped).
#
#   bash scripts/start.sh            # nodes 120000 and 120101
#   JINLIAN_DISTRICTS="120101 120102" bash scripts/start.sh
#   JINLIAN_FEDERATED=1 bash scripts/start.sh   # as deployed: a Kafka cluster per node, MirrorMaker 2 between
#
# Safe to run again after any end of an earlier run (Ctrl-C, a crash, kill -9 of this script):
# nodes an earlier run left behind (pid files in the run dir) are stopped first, a broker it
# started is adopted. Readiness is the node's own gRPC health (SERVING), not its log. Each step
# that fails is named and the script exits non-zero; "Jinlian is up" means every step succeeded.
#
# Settings (environment), defaults in brackets:
#   JINLIAN_DISTRICTS           district nodes to run                      [120101]
#   JINLIAN_RUN_DIR             pid files and node logs                    [<repo>/.run/platform]
#   JINLIAN_GRPC_BASE_PORT      gRPC port of 120000; districts follow      [50051]
#   JINLIAN_METRICS_BASE_PORT   Prometheus port of 120000; districts follow [9464]
#   JINLIAN_DATABASE_PREFIX     node databases are <prefix><jurisdiction>  [jinlian_]
#   JINLIAN_READY_TIMEOUT       seconds a node may take to report SERVING  [120]
#   JINLIAN_STOP_TIMEOUT        seconds a node may take to stop before KILL [30]
#   JINLIAN_SKIP_BUILD=1        use the existing build (no install, no build)
#   JINLIAN_FEDERATED=1         each district gets its own broker (KAFKA_PORT+2, +4, …; instance
#                               <repo>/.run/kafka-<code>) and MirrorMaker 2 joins them to the city's
#                               (infra/mirror-maker/mm2.sh, instance <repo>/.run/mm2); crossing takes
#                               seconds instead of milliseconds                        [0: one broker]
#   JINLIAN_MM2_REST_PORT       MirrorMaker's internal REST port (loopback)            [29300]
#   JINLIAN_TLS=1               gRPC over mutual TLS as deployed: a development CA in <run dir>/tls
#                               (scripts/lib/dev-ca.sh) signs each node's and the demo caller's
#                               certificate; health (and the readiness wait) on a plaintext port,
#                               gRPC port + 1000                                        [0: plaintext]
#   KAFKA_PORT, KAFKA_INSTANCE_DIR, KAFKA_CONTROLLER_PORT   the broker (infra/kafka/kafka.sh)
#   [9092, <repo>/.run/kafka, KAFKA_PORT+1]; PGPORT etc. for PostgreSQL (infra/postgres.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$(pwd)"
source scripts/toolchain.sh

RUN_DIR="$(realpath -m -- "${JINLIAN_RUN_DIR:-$REPO/.run/platform}")"
DISTRICTS="${JINLIAN_DISTRICTS:-120101}"
GRPC_BASE_PORT="${JINLIAN_GRPC_BASE_PORT:-50051}"
METRICS_BASE_PORT="${JINLIAN_METRICS_BASE_PORT:-9464}"
DATABASE_PREFIX="${JINLIAN_DATABASE_PREFIX:-jinlian_}"
READY_TIMEOUT="${JINLIAN_READY_TIMEOUT:-120}"
STOP_TIMEOUT="${JINLIAN_STOP_TIMEOUT:-30}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_INSTANCE_DIR="${KAFKA_INSTANCE_DIR:-$REPO/.run/kafka}"
export KAFKA_INSTANCE_DIR KAFKA_PORT
NODE_MAIN="$REPO/packages/node/dist/main.js"
NODE_BOOTSTRAP="$REPO/packages/chassis/dist/telemetry/bootstrap.js"
# The node's V8 settings as the image sets them (k8s/image/Dockerfile), unless NODE_OPTIONS is given.
NODE_RUNTIME_OPTIONS="${NODE_OPTIONS-$(bash "$REPO/scripts/image-node-options.sh")}"
SCRIPT_PID_FILE="$RUN_DIR/start.pid"
KAFKA_OWNER_FILE="$RUN_DIR/kafka.started" # present while a run of this script owns the broker
FEDERATED="${JINLIAN_FEDERATED:-0}"
TLS="${JINLIAN_TLS:-0}"
TLS_DIR="$RUN_DIR/tls"
MM2_INSTANCE_DIR="$REPO/.run/mm2"

# Each node's broker: the one broker, or in a federation the city's and one per district.
declare -A kafka_port=()
kafka_port[120000]="$KAFKA_PORT"
i=1
for code in $DISTRICTS; do
  if [ "$FEDERATED" = 1 ]; then kafka_port[$code]=$((KAFKA_PORT + 2 * i)); else kafka_port[$code]="$KAFKA_PORT"; fi
  i=$((i + 1))
done
district_kafka_env() { # jurisdiction: the kafka.sh settings of a district's own broker
  echo "KAFKA_INSTANCE_DIR=$REPO/.run/kafka-$1" "KAFKA_PORT=${kafka_port[$1]}" "KAFKA_CONTROLLER_PORT=$((${kafka_port[$1]} + 1))"
}

say() { printf '\033[1mjinlian:\033[0m %s\n' "$*" >&2; }

STEP="setup"
step() { STEP="$1"; say "$1"; }
# Names the step, says why, and exits non-zero; the EXIT trap stops what was started.
fail() {
  say "error: step '$STEP' failed: $*"
  # What the nodes warned about is usually why (kafkajs' start-up chatter left out).
  local log lines
  for log in "$RUN_DIR"/node-*.log; do
    [ -f "$log" ] || continue
    lines="$(grep -E '"level":"(warn|error|fatal)"' "$log" | grep -v '"component":"kafkajs"' | tail -n 15 | cut -c1-400)"
    [ -z "$lines" ] || printf '%s\n%s\n' "last warnings in $log:" "$lines" >&2
  done
  FAILED_REPORTED=1
  exit 1
}
FAILED_REPORTED=0

# ---------------------------------------------------------------------------------------------
# processes

# Alive and not a zombie (an exited child not reaped yet still answers kill -0).
alive() {
  local pid="$1" stat
  kill -0 "$pid" 2>/dev/null || return 1
  stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [ "${stat:0:1}" != Z ]
}

# A node of this checkout: its command line runs our main.js and it runs from this repo.
# Checked before any signal, so a recycled pid in a stale pid file is never killed.
is_our_node() {
  local pid="$1" cmdline cwd
  alive "$pid" || return 1
  cmdline="$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" || return 1
  case "$cmdline" in *packages/node/dist/main.js*) ;; *) return 1 ;; esac
  cwd="$(readlink "/proc/$pid/cwd" 2>/dev/null)" || return 1
  [ "$cwd" = "$REPO" ]
}

# Waits for a process that was sent SIGTERM; SIGKILL after STOP_TIMEOUT (a second SIGTERM would
# make a node skip its drain). Returns 1 if it had to kill.
await_exit() {
  local pid="$1" what="$2" deadline=$((SECONDS + STOP_TIMEOUT))
  while alive "$pid"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "$what (pid $pid) did not stop within ${STOP_TIMEOUT} s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      while alive "$pid"; do sleep 0.1; done
      return 1
    fi
    sleep 0.2
  done
  return 0
}

stop_pid() { # pid what
  kill -TERM "$1" 2>/dev/null || return 0
  await_exit "$1" "$2"
}

# Runs a step's command in the background and waits for it, so that a signal to this script is
# handled at once (bash defers traps until a foreground command ends; a seed can take a minute).
current=""
run() {
  local rc=0
  "$@" &
  current=$!
  wait "$current" || rc=$?
  current=""
  return "$rc"
}

# Who listens on a TCP port, for the message (best effort: ss may be missing or say nothing).
port_owner() {
  local pid cmdline
  command -v ss >/dev/null 2>&1 || return 0
  pid="$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 || true)"
  pid="${pid#pid=}"
  [ -n "$pid" ] || return 0
  cmdline="$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" || true)"
  printf '(pid %s: %.100s)' "$pid" "${cmdline% }"
}

# In use: something accepts connections there on three tries 0.2 s apart. Another program's
# instant probe of a free port (listen, then close) is not a process holding the port.
port_in_use() {
  local try
  for try in 1 2 3; do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null || return 1
    [ "$try" = 3 ] || sleep 0.2
  done
}

# ---------------------------------------------------------------------------------------------
# cleanup

declare -A node_pid=()
started_kafka=0
started_mm2=0
started_district_kafka=()
stopping=0
cleanup() {
  local status=$? failed=0 code
  trap - INT TERM EXIT
  if [ "$stopping" = 1 ]; then status=0; fi
  if [ "$status" != 0 ] && [ "$FAILED_REPORTED" = 0 ]; then
    say "error: step '$STEP' failed (exit status $status); see the output above"
  fi
  say "stopping"
  if [ -n "$current" ]; then stop_pid "$current" "$STEP" || true; fi
  for code in "${!node_pid[@]}"; do kill -TERM "${node_pid[$code]}" 2>/dev/null || true; done
  for code in "${!node_pid[@]}"; do
    await_exit "${node_pid[$code]}" "node $code" || failed=1
    wait "${node_pid[$code]}" 2>/dev/null || true
    rm -f "$RUN_DIR/node-$code.pid"
  done
  if [ "$started_mm2" = 1 ]; then
    MM2_INSTANCE_DIR="$MM2_INSTANCE_DIR" bash infra/mirror-maker/mm2.sh stop || failed=1
  fi
  for code in "${started_district_kafka[@]}"; do
    # shellcheck disable=SC2046 # KEY=value words
    env $(district_kafka_env "$code") bash infra/kafka/kafka.sh stop || failed=1
  done
  if [ "$started_kafka" = 1 ]; then
    if bash infra/kafka/kafka.sh stop; then rm -f "$KAFKA_OWNER_FILE"; else failed=1; fi
  fi
  rm -f "$SCRIPT_PID_FILE"
  if [ "$failed" = 1 ]; then
    say "stopped, but not everything stopped cleanly (see above)"
    [ "$status" != 0 ] || status=1
  else
    say "stopped"
  fi
  exit "$status"
}
on_signal() {
  stopping=1
  exit 0 # runs cleanup (EXIT trap) with status 0: stopping on request is success
}
trap cleanup EXIT
trap on_signal INT TERM

# ---------------------------------------------------------------------------------------------
# what an earlier run left behind

mkdir -p "$RUN_DIR"
STEP="previous run"
if [ -f "$SCRIPT_PID_FILE" ]; then
  other="$(cat "$SCRIPT_PID_FILE")"
  other_cmdline="$(tr '\0' ' ' 2>/dev/null <"/proc/$other/cmdline" || true)"
  if [ -n "$other" ] && [ "$other" != "$$" ] && alive "$other" && [[ "$other_cmdline" == *start.sh* ]]; then
    trap - EXIT INT TERM # not ours to stop
    say "error: step '$STEP' failed: another start.sh (pid $other) is running this platform ($RUN_DIR); stop it first"
    exit 1
  fi
fi
echo "$$" >"$SCRIPT_PID_FILE"

declare -A leftover=()
for pid_file in "$RUN_DIR"/node-*.pid; do
  [ -e "$pid_file" ] || continue
  code="$(basename "$pid_file" .pid)"
  code="${code#node-}"
  pid="$(cat "$pid_file" 2>/dev/null || true)"
  if [[ "$pid" =~ ^[0-9]+$ ]] && is_our_node "$pid"; then
    say "node $code (pid $pid) is still running from an earlier run; stopping it"
    kill -TERM "$pid" 2>/dev/null || true
    leftover[$code]="$pid"
  else
    say "removing the stale pid file of node $code (pid ${pid:-?} is not running)"
  fi
  rm -f "$pid_file"
done
# All drain at once; each gets STOP_TIMEOUT before SIGKILL.
for code in "${!leftover[@]}"; do await_exit "${leftover[$code]}" "node $code" || true; done

# ---------------------------------------------------------------------------------------------
# ports: every node's, before anything starts, so a taken port is named instead of a node dying

declare -A endpoints=() metrics_ports=() health_endpoints=()
port="$GRPC_BASE_PORT"
metrics="$METRICS_BASE_PORT"
for code in 120000 $DISTRICTS; do
  endpoints[$code]="127.0.0.1:$port"
  health_endpoints[$code]="127.0.0.1:$port"
  if [ "$TLS" = 1 ]; then
    # The certificates name localhost (TLS server names are host names); probes use the plaintext port.
    endpoints[$code]="localhost:$port"
    health_endpoints[$code]="127.0.0.1:$((port + 1000))"
  fi
  metrics_ports[$code]="$metrics"
  port=$((port + 1))
  metrics=$((metrics + 1))
done
STEP="check ports"
for code in 120000 $DISTRICTS; do
  for p in "${endpoints[$code]##*:}" "${metrics_ports[$code]}" "${health_endpoints[$code]##*:}"; do
    if port_in_use "$p"; then
      kind=gRPC
      [ "$p" = "${metrics_ports[$code]}" ] && kind=metrics
      [ "$p" != "${endpoints[$code]##*:}" ] && [ "$p" = "${health_endpoints[$code]##*:}" ] && kind=health
      fail "$kind port $p of node $code is already in use by a process this script did not start $(port_owner "$p")" \
        "(stop it, or choose other ports with JINLIAN_GRPC_BASE_PORT / JINLIAN_METRICS_BASE_PORT)"
    fi
  done
done

# ---------------------------------------------------------------------------------------------
# install, build, infrastructure

if [ "${JINLIAN_SKIP_BUILD:-0}" = 1 ]; then
  STEP="install and build"
  say "JINLIAN_SKIP_BUILD=1: using the existing build"
  [ -f "$NODE_MAIN" ] && [ -f "$NODE_BOOTSTRAP" ] || fail "no build found ($NODE_MAIN); run without JINLIAN_SKIP_BUILD"
else
  step "install and build"
  run pnpm install --frozen-lockfile --reporter=silent || fail "pnpm install --frozen-lockfile"
  run pnpm --silent build || fail "pnpm build"
fi

step "kafka"
if [ "$(cat "$KAFKA_OWNER_FILE" 2>/dev/null)" = "$KAFKA_INSTANCE_DIR" ] && bash infra/kafka/kafka.sh status >/dev/null 2>&1; then
  # An earlier run started this broker and ended without stopping it: adopt it, stop it on exit.
  say "reusing the broker an earlier run started on 127.0.0.1:$KAFKA_PORT"
  started_kafka=1
elif bash infra/kafka/kafka.sh status >/dev/null 2>&1; then
  say "reusing the running broker on 127.0.0.1:$KAFKA_PORT (left running on exit)"
else
  echo "$KAFKA_INSTANCE_DIR" >"$KAFKA_OWNER_FILE"
  started_kafka=1 # also when start fails half-way: stop cleans up what it left
  run bash infra/kafka/kafka.sh start || fail "the broker did not start on 127.0.0.1:$KAFKA_PORT (see the kafka.sh lines above)"
fi
[ "$started_kafka" = 1 ] || rm -f "$KAFKA_OWNER_FILE"

if [ "$FEDERATED" = 1 ]; then
  for code in $DISTRICTS; do
    step "kafka of district $code"
    # Started or adopted (kafka.sh start finds a running broker of the instance), stopped on exit.
    started_district_kafka+=("$code")
    # shellcheck disable=SC2046 # KEY=value words
    run env $(district_kafka_env "$code") bash infra/kafka/kafka.sh start ||
      fail "the broker of $code did not start on 127.0.0.1:${kafka_port[$code]} (see the kafka.sh lines above)"
  done
  step "mirror maker"
  mm2_args=(--city "120000=127.0.0.1:$KAFKA_PORT" --rest-port "${JINLIAN_MM2_REST_PORT:-29300}" --refresh-seconds 5)
  for code in $DISTRICTS; do mm2_args+=(--district "$code=127.0.0.1:${kafka_port[$code]}"); done
  run node packages/ops/bin/jinlian-ops.cjs mm2-properties "${mm2_args[@]}" --out "$RUN_DIR/mm2.properties" ||
    fail "jinlian-ops could not write the MirrorMaker configuration"
  started_mm2=1
  # A MirrorMaker an earlier run left goes first: it may run another set of districts.
  MM2_INSTANCE_DIR="$MM2_INSTANCE_DIR" bash infra/mirror-maker/mm2.sh stop >/dev/null 2>&1 || true
  run env MM2_INSTANCE_DIR="$MM2_INSTANCE_DIR" MM2_CONFIG="$RUN_DIR/mm2.properties" bash infra/mirror-maker/mm2.sh start ||
    fail "MirrorMaker 2 did not start (see the mm2.sh lines above and $MM2_INSTANCE_DIR/mm2.log)"
fi

step "postgres"
ADMIN_URL="$(bash infra/postgres.sh ensure)" || fail "no PostgreSQL server (see the postgres.sh lines above)"

db_url() { # admin URL with the database replaced
  node -e 'const u = new URL(process.argv[1]); u.pathname = "/" + process.argv[2]; console.log(u.toString())' "$ADMIN_URL" "$1"
}

step "development token issuer"
# The nodes run as deployed (JINLIAN_AUTH=jwt, personal data sealed); this run's own issuer stands
# in for the identity provider, and the seed and demo calls present its tokens (docs/security.md).
AUTH_DIR="$RUN_DIR/auth"
run node scripts/lib/dev-issuer.mts init "$AUTH_DIR" || fail "cannot create the development token issuer in $AUTH_DIR"
DEV_ISSUER="$(node scripts/lib/dev-issuer.mts issuer)" || fail "cannot read the development issuer"

declare -a client_tls_env=()
if [ "$TLS" = 1 ]; then
  step "development CA (mutual TLS)"
  node_names=()
  for code in 120000 $DISTRICTS; do node_names+=("node-$code"); done
  run bash scripts/lib/dev-ca.sh "$TLS_DIR" "${node_names[@]}" demo-client || fail "cannot make the development CA in $TLS_DIR"
  client_tls_env=(JINLIAN_DEV_TLS_DIR="$TLS_DIR")
fi

# ---------------------------------------------------------------------------------------------
# nodes

start_node() { # jurisdiction
  local code="$1" log="$RUN_DIR/node-$code.log" url
  local -a tls=()
  if [ "$TLS" = 1 ]; then
    tls=(GRPC_TLS_CERT_FILE="$TLS_DIR/node-$code.pem" GRPC_TLS_KEY_FILE="$TLS_DIR/node-$code-key.pem"
      GRPC_TLS_CLIENT_CA_FILE="$TLS_DIR/ca.pem" GRPC_HEALTH_PORT="${health_endpoints[$code]##*:}")
  fi
  step "start node $code"
  url="$(db_url "$DATABASE_PREFIX$code")" || fail "cannot build the database URL from $ADMIN_URL"
  # This run's log only; the previous one is kept for a post-mortem.
  if [ -f "$log" ]; then mv -f "$log" "$log.1"; fi
  JINLIAN_JURISDICTION="$code" GRPC_PORT="${endpoints[$code]##*:}" METRICS_PORT="${metrics_ports[$code]}" \
    DATABASE_URL="$url" KAFKA_BROKERS="127.0.0.1:${kafka_port[$code]}" \
    OTEL_SERVICE_NAME="jinlian-$code" LOG_LEVEL="${LOG_LEVEL:-info}" \
    JINLIAN_AUTH=jwt JINLIAN_AUTH_JWKS_FILE="$AUTH_DIR/jwks.json" JINLIAN_AUTH_ISSUER="$DEV_ISSUER" \
    JINLIAN_PERSONAL_DATA_KEYS_FILE="$AUTH_DIR/personal-data-keys.json" \
    NODE_OPTIONS="$NODE_RUNTIME_OPTIONS" setsid env "${tls[@]}" node --require "$NODE_BOOTSTRAP" "$NODE_MAIN" </dev/null >"$log" 2>&1 &
  local pid=$! # setsid: Ctrl-C reaches only this script, which then stops each node once, gracefully
  node_pid[$code]="$pid"
  echo "$pid" >"$RUN_DIR/node-$code.pid"
}

wait_ready() { # jurisdiction
  local code="$1" rc=0
  step "wait for node $code (gRPC health on ${health_endpoints[$code]})"
  run node scripts/lib/wait-healthy.mts "${health_endpoints[$code]}" --pid "${node_pid[$code]}" --timeout "$READY_TIMEOUT" || rc=$?
  [ "$rc" = 0 ] && return 0
  say "last lines of $RUN_DIR/node-$code.log:"
  tail -n 30 "$RUN_DIR/node-$code.log" >&2 || true
  case "$rc" in
    3) fail "node $code exited before it was ready" ;;
    1) fail "node $code did not report SERVING within ${READY_TIMEOUT} s" ;;
    *) fail "the readiness probe failed (exit $rc)" ;;
  esac
}

say "starting the municipal node 120000 and district node(s) $DISTRICTS"
for code in 120000 $DISTRICTS; do start_node "$code"; done
for code in 120000 $DISTRICTS; do wait_ready "$code"; done

first_district="${DISTRICTS%% *}"
step "seed demo data"
run env JINLIAN_DEV_AUTH_DIR="$AUTH_DIR" "${client_tls_env[@]}" node scripts/demo/seed.mts "${endpoints[120000]}" "${endpoints[$first_district]}" "$first_district" ||
  fail "scripts/demo/seed.mts exited non-zero (see above)"

STEP="running"
kafka_summary="127.0.0.1:$KAFKA_PORT"
if [ "$FEDERATED" = 1 ]; then
  kafka_summary="120000 on 127.0.0.1:$KAFKA_PORT"
  for code in $DISTRICTS; do kafka_summary+=", $code on 127.0.0.1:${kafka_port[$code]}"; done
  kafka_summary+=$'\n'"    MirrorMaker  between them (log $MM2_INSTANCE_DIR/mm2.log)"
fi
cat <<MSG

  Jinlian is up.

    Kafka        $kafka_summary
    PostgreSQL   ${ADMIN_URL%/*}/${DATABASE_PREFIX}<jurisdiction>
MSG
for code in 120000 $DISTRICTS; do
  printf '    node %s  gRPC %s   metrics http://127.0.0.1:%s/metrics   log %s\n' \
    "$code" "${endpoints[$code]}" "${metrics_ports[$code]}" "$RUN_DIR/node-$code.log"
done
GRPCURL_TRANSPORT="-plaintext"
TLS_HINT=""
if [ "$TLS" = 1 ]; then
  GRPCURL_TRANSPORT="-cacert $TLS_DIR/ca.pem -cert $TLS_DIR/demo-client.pem -key $TLS_DIR/demo-client-key.pem"
  TLS_HINT=$'\n'"  and, over mutual TLS, the demo caller's certificate of this run's CA:"$'\n'"    export JINLIAN_DEV_TLS_DIR=$TLS_DIR"
fi
cat <<MSG

  Callers present a token of this run's issuer (a demo operator of the node's jurisdiction):
    export JINLIAN_DEV_AUTH_DIR=$AUTH_DIR${TLS_HINT}
  Try (grpcurl lists and calls everything through reflection):
    grpcurl ${GRPCURL_TRANSPORT} ${endpoints[120000]} list
    grpcurl ${GRPCURL_TRANSPORT} -H "authorization: Bearer \$(node scripts/lib/dev-issuer.mts token $AUTH_DIR $first_district)" \\
      -d '{"filter":{"origin":"ORIGIN_RECEIVED"}}' ${endpoints[$first_district]} jinlian.bulletins.v1.BulletinsService/ListBulletins
  or, without grpcurl (any method of any service; JINLIAN_ACT_FOR names the node's jurisdiction):
    JINLIAN_ACT_FOR=$first_district node scripts/demo/call.mts ${endpoints[$first_district]} ListBulletins '{"filter":{"origin":2}}'
    JINLIAN_ACT_FOR=120000 node scripts/demo/call.mts ${endpoints[120000]} GetMechanismRollUp
    JINLIAN_ACT_FOR=$first_district node scripts/demo/call.mts ${endpoints[$first_district]} ListActionItems '{"filter":{"origin":"ACTION_ITEM_ORIGIN_ASSIGNED_BY_CITY"}}'

  Ctrl-C stops the nodes (and Kafka and MirrorMaker, if this script started them).
MSG

# Until a signal: a node that exits on its own is a failure, named, and stops the rest.
# (A signal interrupts the wait and on_signal exits, so what follows runs only when a node ended.)
exited=""
node_status=0
wait -n -p exited "${node_pid[@]}" || node_status=$?
for code in "${!node_pid[@]}"; do
  if [ "${node_pid[$code]}" = "$exited" ]; then
    unset "node_pid[$code]"
    rm -f "$RUN_DIR/node-$code.pid"
    STEP="node $code"
    say "last lines of $RUN_DIR/node-$code.log:"
    tail -n 30 "$RUN_DIR/node-$code.log" >&2 || true
    fail "node $code (pid $exited) exited on its own (status $node_status)"
  fi
done
fail "a node exited on its own (status $node_status)"
