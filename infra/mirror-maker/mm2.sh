#!/usr/bin/env bash
# Apache Kafka MirrorMaker 2 in dedicated mode for local federation and tests, run from jars
# fetched from Maven Central (connect-mirror): no Docker, no Kafka tarball, no home-made bridge.
#
#   infra/mirror-maker/mm2.sh fetch    download the jars into the cache (nothing else)
#   infra/mirror-maker/mm2.sh start    start MirrorMaker with MM2_CONFIG and wait until it runs
#   infra/mirror-maker/mm2.sh stop     stop it (SIGTERM, then SIGKILL after MM2_STOP_TIMEOUT)
#   infra/mirror-maker/mm2.sh kill     SIGKILL it, as a crash would (tests)
#   infra/mirror-maker/mm2.sh status   exit 0 when running, else exit 3
#
# Settings (environment):
#   MM2_CONFIG          the mm2.properties to run (required by start); write it with
#                       `pnpm --silent jinlian-ops mm2-properties ...`, which takes the topic
#                       patterns from the same place as the Kubernetes manifests
#   MM2_INSTANCE_DIR    instance state: config copy, logs, pid   (default <repo>/.run/mm2)
#   MM2_START_TIMEOUT   seconds to wait for MirrorMaker to start (default 90)
#   MM2_STOP_TIMEOUT    seconds to wait after SIGTERM            (default 30)
#   MM2_HEAP_OPTS       JVM heap options                         (default -Xms128m -Xmx384m)
#   JINLIAN_CACHE_DIR   jar cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/jinlian)
#   JAVA_HOME           used when set; otherwise `java` on PATH
#
# "Started" means the MirrorMaker process has started its herders; the first record of a new
# topic is copied some seconds later (topic refresh, task start): measured 10-30 s on 2 cores.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
POM="$SCRIPT_DIR/pom.xml"

log() { echo "mm2.sh: $*" >&2; }
die() { echo "mm2.sh: error: $*" >&2; exit 1; }

KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1)"
BROKER_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$SCRIPT_DIR/../kafka/pom.xml" | head -n1)"
[ "$KAFKA_VERSION" = "$BROKER_VERSION" ] ||
  die "MirrorMaker's Kafka version ($KAFKA_VERSION, $POM) differs from the broker's ($BROKER_VERSION, infra/kafka/pom.xml)"

CACHE_ROOT="${JINLIAN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/jinlian}"
LIB_DIR="$CACHE_ROOT/mirror-maker-$KAFKA_VERSION/lib"
LIB_MARKER="$CACHE_ROOT/mirror-maker-$KAFKA_VERSION/.lib-complete"
MAIN_JAR="connect-mirror-$KAFKA_VERSION.jar"
WHAT="MirrorMaker 2 (Kafka $KAFKA_VERSION)"

INSTANCE_DIR="$(realpath -m -- "${MM2_INSTANCE_DIR:-$REPO_ROOT/.run/mm2}")"
START_TIMEOUT="${MM2_START_TIMEOUT:-90}"
STOP_TIMEOUT="${MM2_STOP_TIMEOUT:-30}"
HEAP_OPTS="${MM2_HEAP_OPTS:--Xms128m -Xmx384m}"
JVM_OPTS="-XX:+UseSerialGC -XX:MaxMetaspaceSize=192m -Xss512k -Djava.awt.headless=true"

PID_FILE="$INSTANCE_DIR/mm2.pid"
LOG_FILE="$INSTANCE_DIR/mm2.log"
OUT_FILE="$INSTANCE_DIR/mm2.out"
CONFIG_FILE="$INSTANCE_DIR/mm2.properties"
LOG4J_FILE="$INSTANCE_DIR/log4j2.xml"
LEASE_DIR_ROOT="$INSTANCE_DIR"

# shellcheck source=infra/lib/leases.sh
. "$SCRIPT_DIR/../lib/leases.sh"
# shellcheck source=infra/lib/maven-runtime.sh
. "$SCRIPT_DIR/../lib/maven-runtime.sh"

read_pid() { read_pid_file "$PID_FILE"; }
pid_is_ours() { pid_runs "$1" "org.apache.kafka.connect.mirror.MirrorMaker $CONFIG_FILE"; }

write_log_config() {
  write_file_log_config "$LOG4J_FILE" "$LOG_FILE" org.apache.kafka.clients=WARN \
    org.apache.kafka.common.utils.AppInfoParser=WARN org.apache.kafka.common.config.AbstractConfig=WARN \
    org.apache.kafka.connect.runtime.WorkerConfig=WARN org.reflections=ERROR
}

wait_started() {
  local pid="$1" started="$2" deadline=$((SECONDS + START_TIMEOUT))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "MirrorMaker (pid $pid) exited during start-up"
      tail -n 40 "$LOG_FILE" "$OUT_FILE" >&2 2>/dev/null || true
      rm -f "$PID_FILE"
      exit 1
    fi
    if grep -q "Kafka MirrorMaker started" "$LOG_FILE" 2>/dev/null; then
      log "started after $((SECONDS - started)) s (pid $pid, instance $INSTANCE_DIR)"
      return 0
    fi
    sleep 0.5
  done
  log "MirrorMaker (pid $pid) did not start within ${START_TIMEOUT} s; stopping it"
  tail -n 40 "$LOG_FILE" >&2 2>/dev/null || true
  stop_pid "$pid"
  rm -f "$PID_FILE"
  exit 1
}

cmd_start() {
  local pid started=$SECONDS
  instance_lock
  pid="$(read_pid)"
  if pid_is_ours "$pid"; then
    log "already running (pid $pid)"
    return 0
  fi
  [ -z "$pid" ] || { log "removing stale pid file (pid $pid is gone)"; rm -f "$PID_FILE"; }
  [ -n "${MM2_CONFIG:-}" ] || die "MM2_CONFIG is not set (the mm2.properties to run)"
  [ -r "$MM2_CONFIG" ] || die "MM2_CONFIG=$MM2_CONFIG is not a readable file"
  require_java
  fetch
  mkdir -p "$INSTANCE_DIR"
  # A copy, so the running process's config stays what it started with; same path each start.
  [ "$(realpath -m -- "$MM2_CONFIG")" = "$CONFIG_FILE" ] || cp "$MM2_CONFIG" "$CONFIG_FILE"
  write_log_config
  if [ -f "$LOG_FILE" ]; then mv -f "$LOG_FILE" "$LOG_FILE.1"; fi
  : >"$OUT_FILE"
  log "starting $WHAT (instance $INSTANCE_DIR)"
  # shellcheck disable=SC2086 # HEAP_OPTS / JVM_OPTS are word lists
  launch_jvm "$OUT_FILE" "$PID_FILE" $HEAP_OPTS $JVM_OPTS \
    -Dlog4j2.configurationFile="$LOG4J_FILE" \
    -cp "$LIB_DIR/*" org.apache.kafka.connect.mirror.MirrorMaker "$CONFIG_FILE"
  wait_started "$(read_pid)" "$started"
}

cmd_stop() {
  local pid signal="${1:-TERM}"
  instance_lock
  pid="$(read_pid)"
  if ! pid_is_ours "$pid"; then
    log "not running (instance $INSTANCE_DIR)"
    rm -f "$PID_FILE"
    return 0
  fi
  if [ "$signal" = "KILL" ]; then
    log "killing MirrorMaker (pid $pid) with SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  else
    log "stopping MirrorMaker (pid $pid)"
    stop_pid "$pid"
  fi
  rm -f "$PID_FILE"
  log "stopped"
}

cmd_status() {
  local pid
  pid="$(read_pid)"
  if pid_is_ours "$pid"; then
    log "running (pid $pid, instance $INSTANCE_DIR)"
    return 0
  fi
  log "not running (instance $INSTANCE_DIR)"
  return 3
}

case "${1:-}" in
  fetch) fetch ;;
  start) cmd_start ;;
  stop) cmd_stop TERM ;;
  kill) cmd_stop KILL ;;
  status) cmd_status ;;
  *) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
