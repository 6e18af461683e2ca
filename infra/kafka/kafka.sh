#!/usr/bin/env bash
# Single-node Apache Kafka (KRaft, broker+controller in one JVM) for local development and tests,
# run from jars fetched from Maven Central: no Docker, no Kafka tarball.
#
#   infra/kafka/kafka.sh fetch    download the broker's jars into the cache (nothing else)
#   infra/kafka/kafka.sh start    start the broker (idempotent) and wait until it is ready
#   infra/kafka/kafka.sh stop     stop the broker started from this instance dir
#   infra/kafka/kafka.sh status   print the bootstrap address and exit 0 when running, else exit 3
#
# Settings (environment):
#   KAFKA_INSTANCE_DIR     instance state: config, data, logs, pid   (default <repo>/.run/kafka)
#   KAFKA_PORT             PLAINTEXT broker listener on 127.0.0.1    (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller listener on 127.0.0.1    (default KAFKA_PORT+1)
#   KAFKA_START_TIMEOUT    seconds to wait for readiness             (default 90)
#   KAFKA_STOP_TIMEOUT     seconds to wait after SIGTERM             (default 30)
#   KAFKA_EPHEMERAL=1      start with empty data (topics, offsets) when not already running;
#                          the test harness sets it so test topics do not pile up across runs
#   KAFKA_HEAP_OPTS        JVM heap options                          (default -Xms256m -Xmx512m)
#   KAFKA_JVM_OPTS         extra JVM options                         (default small, 2-core friendly)
#   JINLIAN_CACHE_DIR      jar cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/jinlian)
#   JAVA_HOME              used when set; otherwise `java` on PATH
#   KAFKA_LEASE_PID        (test harness) pid of the process using the broker: `start` records a
#                          lease; `stop` releases it and stops the broker only if a lease started
#                          it and no other live lease remains (see infra/lib/leases.sh). Without
#                          it, `stop` always stops the broker.
#   KAFKA_SASL_USERS       off (unset) by default. "admin:<pw>,<user>:<pw>,...": the client port
#                          becomes SASL_PLAINTEXT and requires SCRAM-SHA-512, ACLs are enforced
#                          (StandardAuthorizer; no ACL, no access) and `admin`, which must be in the
#                          list, is the super user the broker itself logs in as. Names: letters,
#                          digits, . _ -; passwords also ~ + /. The credentials are written when the
#                          storage is formatted, so a formatted instance refuses another list (use
#                          KAFKA_EPHEMERAL=1 or a new instance dir). The controller port stays
#                          PLAINTEXT on loopback, its User:ANONYMOUS a super user (the broker
#                          registers through it). For tests of authentication and ACLs.
#
# Instance dirs are independent: tests use KAFKA_INSTANCE_DIR=<repo>/.run/kafka-test with
# KAFKA_PORT=19092 next to a developer's broker on 9092.
#
# Start-up time measured on the 2-core dev machine (Kafka 4.1.1, Java 17.0.15, jars cached; 4.3.1 starts alike):
#   `start` from a clean instance dir: 5.6-6.2 s to ready (storage format is its own JVM,
#   ~1.3 s; the broker JVM takes ~3.5 s to "Kafka Server started"); a restart on formatted
#   storage skips the format: 4.5-6.5 s. Seen up to ~11 s while jest was starting in parallel.
#   -XX:TieredStopAtLevel=1 saved only ~0.5 s, so it is not the default.
#   `stop` (SIGTERM, controlled shutdown of a single node): 1.6-2.7 s.
#   First `fetch` with a cold ~/.m2: ~15 s here (46 jars, ~60 MB); later ones are skipped.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
POM="$SCRIPT_DIR/pom.xml"

# shellcheck source=infra/lib/leases.sh
. "$SCRIPT_DIR/../lib/leases.sh"

log() { echo "kafka.sh: $*" >&2; }
die() { echo "kafka.sh: error: $*" >&2; exit 1; }

# The Kafka version is the one in pom.xml (single source of truth).
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1)"
[ -n "$KAFKA_VERSION" ] || die "cannot read <kafka.version> from $POM"

CACHE_ROOT="${JINLIAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/jinlian}"
KAFKA_HOME_DIR="$CACHE_ROOT/kafka-$KAFKA_VERSION"
LIB_DIR="$KAFKA_HOME_DIR/lib"
LIB_MARKER="$KAFKA_HOME_DIR/.lib-complete"

INSTANCE_DIR="$(realpath -m -- "${KAFKA_INSTANCE_DIR:-$REPO_ROOT/.run/kafka}")"
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
JVM_OPTS="${KAFKA_JVM_OPTS:--XX:+UseSerialGC -XX:MaxMetaspaceSize=256m -XX:MaxDirectMemorySize=256m -Xss512k -Djava.awt.headless=true}"

PID_FILE="$INSTANCE_DIR/kafka.pid"
LOG_FILE="$INSTANCE_DIR/kafka.log"
OUT_FILE="$INSTANCE_DIR/kafka.out"
CONFIG_FILE="$INSTANCE_DIR/server.properties"
LOG4J_FILE="$INSTANCE_DIR/log4j2.xml"
LOG4J_TOOLS_FILE="$INSTANCE_DIR/log4j2-tools.xml"
CLUSTER_ID_FILE="$INSTANCE_DIR/cluster.id"
DATA_DIR="$INSTANCE_DIR/data"
LEASE_DIR_ROOT="$INSTANCE_DIR"
LEASE_PID="${KAFKA_LEASE_PID:-}"
SASL_USERS="${KAFKA_SASL_USERS:-}"
# What the storage was formatted with: a hash of the SCRAM users (no passwords in clear).
SASL_RECORD_FILE="$INSTANCE_DIR/sasl-users.sha256"

WHAT="Kafka $KAFKA_VERSION"
MAIN_JAR="kafka_2.13-$KAFKA_VERSION.jar"

# shellcheck source=infra/lib/maven-runtime.sh
. "$SCRIPT_DIR/../lib/maven-runtime.sh"

read_pid() { read_pid_file "$PID_FILE"; }
pid_is_ours() { pid_runs "$1" "kafka.Kafka $CONFIG_FILE"; }

tail_log() {
  local f
  for f in "$LOG_FILE" "$OUT_FILE"; do
    if [ -s "$f" ]; then
      echo "----- last 40 lines of $f -----" >&2
      tail -n 40 "$f" >&2
    fi
  done
}

wait_ready() {
  local pid="$1" started="$2" deadline=$((SECONDS + START_TIMEOUT))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "broker (pid $pid) exited during start-up"
      tail_log
      rm -f "$PID_FILE"
      exit 1
    fi
    if port_open "$PORT" && grep -q "Kafka Server started" "$LOG_FILE" 2>/dev/null; then
      log "ready on 127.0.0.1:$PORT after $((SECONDS - started)) s (pid $pid, instance $INSTANCE_DIR)"
      return 0
    fi
    sleep 0.5
  done
  log "broker (pid $pid) not ready within ${START_TIMEOUT} s; stopping it (a failed start leaves nothing running)"
  tail_log
  stop_pid "$pid"
  rm -f "$PID_FILE"
  exit 1
}

# ---------------------------------------------------------------------------------------------
# authentication (KAFKA_SASL_USERS)

SASL_NAMES=()
SASL_PASSWORDS=()
SASL_ADMIN_PASSWORD=""

# Splits KAFKA_SASL_USERS into SASL_NAMES / SASL_PASSWORDS, or dies saying what is wrong (never
# printing a password). The character sets keep names and passwords literal in the StorageTool's
# --add-scram argument and in the JAAS line, which have their own quoting.
parse_sasl_users() {
  local entry name password
  local -a entries
  IFS=',' read -r -a entries <<<"$SASL_USERS"
  for entry in "${entries[@]}"; do
    [ -n "$entry" ] || continue
    [[ "$entry" == *:* ]] || die "KAFKA_SASL_USERS: an entry has no ':' (expected name:password)"
    name="${entry%%:*}"
    password="${entry#*:}"
    [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "KAFKA_SASL_USERS: user name '$name' may hold only letters, digits, '.', '_', '-'"
    [[ "$password" =~ ^[A-Za-z0-9._~+/-]+$ ]] ||
      die "KAFKA_SASL_USERS: the password of '$name' is empty or holds a character other than letters, digits and . _ ~ + / -"
    case " ${SASL_NAMES[*]} " in *" $name "*) die "KAFKA_SASL_USERS: '$name' is listed twice" ;; esac
    SASL_NAMES+=("$name")
    SASL_PASSWORDS+=("$password")
    [ "$name" != admin ] || SASL_ADMIN_PASSWORD="$password"
  done
  [ -n "$SASL_ADMIN_PASSWORD" ] || die "KAFKA_SASL_USERS must list 'admin', the super user the broker itself logs in as"
}

# The users as the storage records them: empty without SASL, else a hash of the sorted entries.
sasl_fingerprint() {
  [ -n "$SASL_USERS" ] || return 0
  local i
  for i in "${!SASL_NAMES[@]}"; do echo "${SASL_NAMES[$i]}:${SASL_PASSWORDS[$i]}"; done | LC_ALL=C sort | sha256sum | cut -d' ' -f1
}

if [ -n "$SASL_USERS" ]; then
  parse_sasl_users
  CLIENT_LISTENER=SASL_PLAINTEXT
else
  CLIENT_LISTENER=PLAINTEXT
fi

# ---------------------------------------------------------------------------------------------
# config

new_cluster_id() {
  # A Kafka Uuid: 16 random bytes, base64url without padding (22 chars). Kafka avoids ids that
  # start with '-' (they read as CLI flags), so do we.
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [ "${id:0:1}" != "-" ] && [ "${#id}" -eq 22 ] && { echo "$id"; return; }
  done
}

write_config() {
  mkdir -p "$INSTANCE_DIR" "$DATA_DIR"
  [ -s "$CLUSTER_ID_FILE" ] || new_cluster_id >"$CLUSTER_ID_FILE"

  cat >"$CONFIG_FILE" <<EOF
# Generated by infra/kafka/kafka.sh on each start; edits are overwritten.
# Single-node KRaft (combined broker + controller), loopback only, sized for a 2-core machine.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=$CLIENT_LISTENER://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=$CLIENT_LISTENER://127.0.0.1:$PORT
inter.broker.listener.name=$CLIENT_LISTENER
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,$CLIENT_LISTENER:$CLIENT_LISTENER

log.dirs=$DATA_DIR
metadata.log.dir=$DATA_DIR

# Topics are created explicitly by the services (and tests); never by a produce or fetch.
auto.create.topics.enable=false
delete.topic.enable=true
num.partitions=3
default.replication.factor=1
min.insync.replicas=1

# Internal topics on one node.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1

# Tests join groups often: no 3 s initial rebalance delay.
group.initial.rebalance.delay.ms=0

# Small pools for 2 cores.
num.network.threads=2
num.io.threads=2
background.threads=2
num.recovery.threads.per.data.dir=1
num.replica.fetchers=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216

# Local data: small segments, short retention.
log.segment.bytes=67108864
log.retention.hours=24
EOF

  if [ -n "$SASL_USERS" ]; then
    # The file now holds the admin password.
    chmod 600 "$CONFIG_FILE"
    cat >>"$CONFIG_FILE" <<EOF

# KAFKA_SASL_USERS: clients and the broker itself authenticate with SCRAM-SHA-512 (credentials in
# the metadata log, written at format time); every request needs an ACL but the super users'.
# The broker reaches its controller over the PLAINTEXT controller listener as User:ANONYMOUS, which
# needs ClusterAction before any ACL can exist (registration), hence a super user too: whoever
# reaches the loopback controller port is trusted; the client port admits no ANONYMOUS.
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$SASL_ADMIN_PASSWORD";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin;User:ANONYMOUS
allow.everyone.if.no.acl.found=false
EOF
  fi

  write_file_log_config "$LOG4J_FILE" "$LOG_FILE" kafka.request.logger=WARN state.change.logger=WARN \
    kafka.log.LogCleaner=WARN org.apache.kafka.storage.internals.log.LogLoader=WARN

  # For the one-shot StorageTool run: warnings to its stdout (kafka.out), not to the broker log.
  cat >"$LOG4J_TOOLS_FILE" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by infra/kafka/kafka.sh. -->
<Configuration status="WARN">
  <Appenders>
    <Console name="stdout" target="SYSTEM_OUT"><PatternLayout pattern="[%d] %p %m (%c)%n"/></Console>
  </Appenders>
  <Loggers>
    <Root level="WARN"><AppenderRef ref="stdout"/></Root>
  </Loggers>
</Configuration>
EOF
}

format_storage() {
  local want i
  local -a scram=()
  want="$(sasl_fingerprint)"
  # Already formatted: skip the extra JVM (~1.3 s), if it holds the users asked for (SCRAM
  # credentials are written only here; a plain instance records none).
  if [ -s "$DATA_DIR/meta.properties" ]; then
    [ "$(cat "$SASL_RECORD_FILE" 2>/dev/null || true)" = "$want" ] ||
      die "$DATA_DIR was formatted with other SCRAM users than KAFKA_SASL_USERS now names (or with/without SASL); use KAFKA_EPHEMERAL=1 or remove $INSTANCE_DIR"
    return 0
  fi
  # The passwords show in this short-lived JVM's command line: fine for a loopback test broker.
  for i in "${!SASL_NAMES[@]}"; do
    scram+=(--add-scram "SCRAM-SHA-512=[name=${SASL_NAMES[$i]},password=${SASL_PASSWORDS[$i]}]")
  done
  # Static quorum (controller.quorum.voters), so no --standalone; -t is the cluster id.
  # --ignore-formatted: a no-op should two callers ever race here.
  if ! "$JAVA" -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dlog4j2.configurationFile="$LOG4J_TOOLS_FILE" -cp "$LIB_DIR/*" \
    kafka.tools.StorageTool format -t "$(cat "$CLUSTER_ID_FILE")" -c "$CONFIG_FILE" \
    --ignore-formatted "${scram[@]}" >>"$OUT_FILE" 2>&1; then
    tail -n 20 "$OUT_FILE" >&2
    die "formatting $DATA_DIR failed (a data dir formatted with another cluster id? remove $INSTANCE_DIR to start afresh)"
  fi
  if [ -n "$want" ]; then echo "$want" >"$SASL_RECORD_FILE"; else rm -f "$SASL_RECORD_FILE"; fi
}

# ---------------------------------------------------------------------------------------------
# commands

cmd_start() {
  local pid started
  started=$SECONDS
  # One start/stop at a time per instance (a second caller waits, then finds it running).
  instance_lock
  [ -z "$LEASE_PID" ] || lease_add "$LEASE_PID"
  pid="$(read_pid)"
  if pid_is_ours "$pid"; then
    if port_open "$PORT"; then
      log "already running (pid $pid) on 127.0.0.1:$PORT"
      return 0
    fi
    log "pid $pid is starting; waiting for it"
    wait_ready "$pid" "$started"
    return 0
  fi
  [ -z "$pid" ] || { log "removing stale pid file (pid $pid is gone)"; rm -f "$PID_FILE"; }

  require_java
  fetch

  if port_open "$PORT"; then
    die "127.0.0.1:$PORT is already in use by a process not started from $INSTANCE_DIR (set KAFKA_PORT)"
  fi
  if port_open "$CONTROLLER_PORT"; then
    die "controller port 127.0.0.1:$CONTROLLER_PORT is already in use (set KAFKA_CONTROLLER_PORT)"
  fi

  if [ "${KAFKA_EPHEMERAL:-0}" = "1" ] && [ -d "$DATA_DIR" ]; then
    log "KAFKA_EPHEMERAL=1: discarding the previous data in $DATA_DIR"
    rm -rf "$DATA_DIR"
  fi
  write_config
  # A fresh log per start, so readiness is judged on this run's lines only.
  if [ -f "$LOG_FILE" ]; then mv -f "$LOG_FILE" "$LOG_FILE.1"; fi
  if [ -f "$OUT_FILE" ]; then mv -f "$OUT_FILE" "$OUT_FILE.1"; fi
  : >"$OUT_FILE"
  format_storage

  if [ -n "$LEASE_PID" ]; then set_started_by lease; else set_started_by hand; fi
  log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$PORT (controller :$CONTROLLER_PORT, instance $INSTANCE_DIR)"
  # shellcheck disable=SC2086 # HEAP_OPTS / JVM_OPTS are word lists
  launch_jvm "$OUT_FILE" "$PID_FILE" $HEAP_OPTS $JVM_OPTS \
    -Dlog4j2.configurationFile="$LOG4J_FILE" \
    -Dkafka.logs.dir="$INSTANCE_DIR" \
    -cp "$LIB_DIR/*" kafka.Kafka "$CONFIG_FILE"
  pid="$(read_pid)"
  wait_ready "$pid" "$started"
}

cmd_stop() {
  local pid others
  instance_lock
  if [ -n "$LEASE_PID" ]; then
    lease_release "$LEASE_PID"
    others="$(lease_live_pids | tr '\n' ' ')"
    if [ -n "$others" ]; then
      log "leaving the broker running: still used by pid(s) $others"
      return 0
    fi
    if [ "$(started_by)" != "lease" ] && [ -n "$(read_pid)" ]; then
      log "leaving the broker running: it was not started for a test run (started by hand)"
      return 0
    fi
  fi
  pid="$(read_pid)"
  if [ -z "$pid" ]; then
    log "not running (no pid file in $INSTANCE_DIR)"
    return 0
  fi
  if ! pid_is_ours "$pid"; then
    log "not running (pid $pid from $PID_FILE is gone or not a broker of this instance); removing pid file"
    rm -f "$PID_FILE"
    return 0
  fi
  log "stopping broker (pid $pid)"
  stop_pid "$pid"
  rm -f "$PID_FILE"
  clear_started_by
  log "stopped"
}

cmd_status() {
  local pid
  pid="$(read_pid)"
  if pid_is_ours "$pid" && port_open "$PORT"; then
    log "running (pid $pid, instance $INSTANCE_DIR)"
    echo "127.0.0.1:$PORT"
    return 0
  fi
  if pid_is_ours "$pid"; then
    log "starting (pid $pid), not answering on 127.0.0.1:$PORT yet"
  else
    log "not running (instance $INSTANCE_DIR)"
  fi
  return 3
}

usage() {
  sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

case "${1:-}" in
  fetch) fetch ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) usage ;;
esac
