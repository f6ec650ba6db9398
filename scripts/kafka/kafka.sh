#!/usr/bin/env bash
# A real, local, single-node Apache Kafka broker (KRaft, combined broker+controller, loopback only)
# for development, tests, CI and the demo. No Docker needed: the broker jars come from Maven
# Central (scripts/kafka/pom.xml) and run on Java 17+.
#
# Usage: bash scripts/kafka/kafka.sh <command>          (works from any directory)
#
#   fetch   copy the broker jars into .kafka/lib (skipped when present and pom.xml is unchanged)
#   format  write server.properties and format the data dir (new cluster id, standalone KRaft
#           quorum); skipped when the data dir is already formatted
#   start   start the broker in the background (no-op when already running); pid file in .kafka/
#   await   wait until the broker answers requests (KAFKA_AWAIT_TIMEOUT seconds, default 60)
#   stop    SIGTERM, wait up to KAFKA_STOP_TIMEOUT seconds (default 30), then SIGKILL; data is kept
#   up      fetch + format + start + await          (npm run kafka:up)
#   down    = stop                                   (npm run kafka:down)
#   status  print state, pid, addresses, data dir and log file; exit 0 if running, 3 if not
#   reset   stop and delete the data dir (topics, offsets, cluster id); jars and logs are kept
#   logs    print the last ${KAFKA_LOG_LINES:-100} lines of the broker log
#
# Environment:
#   KAFKA_PORT             broker (PLAINTEXT) port on 127.0.0.1            default 9092
#   KAFKA_CONTROLLER_PORT  KRaft controller port on 127.0.0.1              default KAFKA_PORT+1
#   KAFKA_DATA_DIR         Kafka's log.dirs (topics, offsets, metadata)    default .kafka/data-<port>
#                          One data dir per port, so brokers on two ports can coexist. A relative
#                          path is taken from the current directory. `reset` deletes it.
#   KAFKA_HEAP_OPTS        default "-Xms128m -Xmx512m"
#   KAFKA_JVM_PERFORMANCE_OPTS  GC/JIT options, default as in Kafka's bin/kafka-run-class.sh (G1)
#   KAFKA_JVM_OPTS         extra JVM options, appended
#   KAFKA_LOG_LEVEL        root log level of the broker log                default INFO
#   KAFKA_AWAIT_TIMEOUT    seconds                                         default 60
#   KAFKA_STOP_TIMEOUT     seconds                                         default 30
#   KAFKA_CLUSTER_ID       cluster id used by `format`                     default: random
#   KAFKA_SECURE           1: also a SASL_SSL listener (SCRAM-SHA-512 and PLAIN users) on
#                          KAFKA_PORT+2 and an SSL listener with client authentication (mTLS) on
#                          KAFKA_PORT+3, with test certificates and users made by tls-material.sh
#                          in .kafka/secure (credentials.env); for tests and demos only
#   JAVA_HOME              Java 17+ to use; otherwise `java` on PATH
#
# Files (all under the git-ignored .kafka/ at the repository root):
#   .kafka/lib/                       jars (+ .pom.sha256 stamp)
#   .kafka/data-<port>/               data dir (log.dirs)
#   .kafka/run-<port>/                server.properties, kafka.pid, kafka.out (JVM stdout/stderr)
#   .kafka/logs/kafka-<port>.log      broker log (Log4j 2, scripts/kafka/log4j2.xml)
#   .kafka/logs/fetch.log, tools.log  Maven output of `fetch`, log of the storage tool
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd -P)
STATE_DIR=$ROOT/.kafka
LIB_DIR=$STATE_DIR/lib
LOG_DIR=$STATE_DIR/logs
POM=$SCRIPT_DIR/pom.xml
LOG4J_CONFIG=$SCRIPT_DIR/log4j2.xml
HOST=127.0.0.1

die() {
  printf 'kafka.sh: error: %s\n' "$1" >&2
  shift
  local line
  for line in "$@"; do printf '  %s\n' "$line" >&2; done
  exit 1
}
say() { printf 'kafka.sh: %s\n' "$*"; }

is_port() { [[ $1 =~ ^[0-9]+$ ]] && ((10#$1 >= 1 && 10#$1 <= 65535)); }

PORT=${KAFKA_PORT:-9092}
is_port "$PORT" || die "KAFKA_PORT='$PORT' is not a TCP port number (1-65535)"
PORT=$((10#$PORT))
CPORT=${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}
is_port "$CPORT" || die "KAFKA_CONTROLLER_PORT='$CPORT' is not a TCP port number (1-65535)" \
  "(it defaults to KAFKA_PORT+1; set it explicitly when KAFKA_PORT is 65535)"
CPORT=$((10#$CPORT))
((PORT != CPORT)) || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT are both $PORT; they must differ"

# A secured broker has its own data dir: its SCRAM users are written when it is formatted.
DATA_SUFFIX=
[[ ${KAFKA_SECURE:-0} != 1 ]] || DATA_SUFFIX=-secure
DATA_DIR=${KAFKA_DATA_DIR:-$STATE_DIR/data-$PORT$DATA_SUFFIX}
[[ $DATA_DIR = /* ]] || DATA_DIR=$PWD/$DATA_DIR
DATA_DIR=${DATA_DIR%/}
# Refuse directories that `reset` must never delete: /, $HOME, the repository or any parent of it.
[[ -n $DATA_DIR && $DATA_DIR != "$HOME" && $ROOT/ != "$DATA_DIR"/* ]] ||
  die "KAFKA_DATA_DIR='${KAFKA_DATA_DIR:-}' would put Kafka's data (and 'reset' would delete it) in '${DATA_DIR:-/}'; use a dedicated directory"
RUN_DIR=$STATE_DIR/run-$PORT
PROPS=$RUN_DIR/server.properties
PID_FILE=$RUN_DIR/kafka.pid
OUT_FILE=$RUN_DIR/kafka.out
LOG_FILE=$LOG_DIR/kafka-$PORT.log
AWAIT_TIMEOUT=${KAFKA_AWAIT_TIMEOUT:-60}
STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT:-30}
[[ $AWAIT_TIMEOUT =~ ^[0-9]+$ ]] || die "KAFKA_AWAIT_TIMEOUT='$AWAIT_TIMEOUT' is not a number of seconds"
[[ $STOP_TIMEOUT =~ ^[0-9]+$ ]] || die "KAFKA_STOP_TIMEOUT='$STOP_TIMEOUT' is not a number of seconds"

# ---------------------------------------------------------------------------------------------
# helpers

# Serialise commands that change state (two `up`s racing, e.g. from parallel test setups).
lock() {
  mkdir -p "$STATE_DIR"
  command -v flock >/dev/null 2>&1 || return 0
  exec 9>"$STATE_DIR/.lock"
  flock -w 300 9 || die "another kafka.sh has held $STATE_DIR/.lock for 5 minutes; is one stuck?"
}

find_java() {
  if [[ -n ${JAVA_HOME:-} ]]; then
    JAVA=$JAVA_HOME/bin/java
    [[ -x $JAVA ]] || die "JAVA_HOME=$JAVA_HOME has no executable bin/java" "unset JAVA_HOME or point it at a Java 17+ JDK/JRE"
  else
    JAVA=$(command -v java 2>/dev/null) ||
      die "no 'java' on PATH and JAVA_HOME is not set" "install Java 17+ (e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME"
  fi
  local version major
  version=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
  major=${version#1.}
  major=${major%%.*}
  if ! [[ $major =~ ^[0-9]+$ ]] || ((major < 17)); then
    die "$JAVA is Java ${version:-of unknown version}; Kafka 4.x needs Java 17 or newer" "set JAVA_HOME to a Java 17+ installation"
  fi
}

read_pid() {
  PID=
  [[ -f $PID_FILE ]] || return 1
  PID=$(<"$PID_FILE")
  [[ $PID =~ ^[0-9]+$ ]] || { PID=; return 1; }
}

# True when the pid file names a live process that is our Kafka broker (guards against pid reuse).
running() {
  read_pid || return 1
  kill -0 "$PID" 2>/dev/null || return 1
  if [[ -r /proc/$PID/cmdline ]]; then
    { tr '\0' ' ' <"/proc/$PID/cmdline"; } 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  fi
  return 0
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

jars_present() { compgen -G "$LIB_DIR/kafka_2.13-*.jar" >/dev/null; }

pom_sum() { sha256sum "$POM" | cut -d' ' -f1; }

formatted() { [[ -f $DATA_DIR/meta.properties ]]; }

kafka_version() {
  local jar
  jar=$(compgen -G "$LIB_DIR/kafka_2.13-*.jar" | head -n1) || return 0
  jar=${jar##*/kafka_2.13-}
  printf '%s' "${jar%.jar}"
}

# Byte offset in the log file where the current (or last) broker run started writing.
log_offset() {
  local off=0
  [[ -f $RUN_DIR/log.offset ]] && off=$(<"$RUN_DIR/log.offset")
  [[ $off =~ ^[0-9]+$ ]] || off=0
  if [[ -f $LOG_FILE ]] && (($(stat -c %s "$LOG_FILE") < off)); then off=0; fi # rolled over
  printf '%s' "$off"
}

# What the current (or last) broker run wrote to its log.
this_run_log() { [[ -f $LOG_FILE ]] && tail -c +$(($(log_offset) + 1)) "$LOG_FILE"; }

# The last lines that the current (or last) broker run wrote to its log, and its JVM output.
show_log_tail() {
  local off
  off=$(log_offset)
  if [[ -s $OUT_FILE ]]; then
    printf '  ---- %s ----\n' "$OUT_FILE" >&2
    tail -n 15 "$OUT_FILE" | sed 's/^/  | /' >&2
  fi
  if [[ -f $LOG_FILE ]] && (($(stat -c %s "$LOG_FILE") > off)); then
    printf '  ---- last lines of %s (this run) ----\n' "$LOG_FILE" >&2
    tail -c +$((off + 1)) "$LOG_FILE" | tail -n 25 | sed 's/^/  | /' >&2
  fi
}

# The secured listeners' ports and settings (KAFKA_SECURE=1).
SECURE=${KAFKA_SECURE:-0}
SECURE_DIR=$STATE_DIR/secure
SASL_SSL_PORT=$((PORT + 2))
SSL_PORT=$((PORT + 3))

secure_material() {
  bash "$SCRIPT_DIR/tls-material.sh" "$SECURE_DIR" >/dev/null
  # shellcheck disable=SC1091
  source "$SECURE_DIR/credentials.env"
}

write_config() {
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  local listeners="PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CPORT"
  local protocols="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  if [[ $SECURE == 1 ]]; then
    listeners="$listeners,SASL_SSL://$HOST:$SASL_SSL_PORT,SSL://$HOST:$SSL_PORT"
    protocols="$protocols,SASL_SSL:SASL_SSL,SSL:SSL"
  fi
  cat >"$PROPS.tmp" <<EOF
# Generated by scripts/kafka/kafka.sh on every start/format; edits are overwritten.
# Single node, combined KRaft broker+controller, loopback only; plaintext (secured listeners below with KAFKA_SECURE=1).
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=$HOST:$CPORT
listeners=$listeners
advertised.listeners=$listeners
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=$protocols
log.dirs=$DATA_DIR

# One broker: every internal topic has a single replica.
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Fewer partitions for the internal topics (default 50 each) make the first consumer group /
# transaction start much faster on a dev machine.
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.num.partitions=1

# Topics: the application creates its own.
auto.create.topics.enable=false
num.partitions=1
group.initial.rebalance.delay.ms=0
# Sessions down to 1 s (Kafka's floor is 6 s), so that a test can outlast one in seconds
# (test/kafka/warmup-heartbeats.test.ts); the processor's default stays 10 s.
group.min.session.timeout.ms=1000

# Small footprint (2-core machine shared with the tests; heap: ${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}).
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=33554432
EOF
  if [[ $SECURE == 1 ]]; then
    secure_material
    cat >>"$PROPS.tmp" <<EOF

# Secured listeners for the tests (KAFKA_SECURE=1): SASL_SSL with SCRAM-SHA-512 (users made at
# format time) and PLAIN (users in the JAAS line), and SSL requiring a client certificate.
sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_TEST_PLAIN_USER="$KAFKA_TEST_PLAIN_PASSWORD";
ssl.keystore.type=PKCS12
ssl.keystore.location=$SECURE_DIR/broker.p12
ssl.keystore.password=$KAFKA_TEST_STORE_PASSWORD
ssl.key.password=$KAFKA_TEST_STORE_PASSWORD
ssl.truststore.type=PEM
ssl.truststore.location=$SECURE_DIR/ca.pem
listener.name.ssl.ssl.client.auth=required
EOF
  fi
  mv "$PROPS.tmp" "$PROPS"
}

# ---------------------------------------------------------------------------------------------
# commands

cmd_fetch() {
  local sum tmp
  sum=$(pom_sum)
  if jars_present && [[ -f $LIB_DIR/.pom.sha256 && $(<"$LIB_DIR/.pom.sha256") == "$sum" ]]; then
    say "jars present in $LIB_DIR (Kafka $(kafka_version)), pom.xml unchanged: nothing to fetch"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 ||
    die "Maven ('mvn') is not on PATH; it is needed once to fetch the Kafka jars" "install it (e.g. apt-get install maven) and run again"
  mkdir -p "$STATE_DIR" "$LOG_DIR"
  tmp=$STATE_DIR/lib.tmp.$$
  rm -rf "$tmp"
  say "fetching Kafka jars with Maven into $LIB_DIR (output in $LOG_DIR/fetch.log) ..."
  if ! mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
    -DoutputDirectory="$tmp" -DincludeScope=runtime >"$LOG_DIR/fetch.log" 2>&1; then
    rm -rf "$tmp"
    tail -n 30 "$LOG_DIR/fetch.log" | sed 's/^/  | /' >&2
    die "Maven could not fetch the Kafka jars (full output: $LOG_DIR/fetch.log)" \
      "check that Maven Central is reachable (proxy settings in ~/.m2/settings.xml) and that $POM is valid"
  fi
  compgen -G "$tmp/kafka_2.13-*.jar" >/dev/null || {
    rm -rf "$tmp"
    die "Maven finished but no kafka_2.13 jar was copied; see $LOG_DIR/fetch.log"
  }
  printf '%s\n' "$sum" >"$tmp/.pom.sha256"
  rm -rf "$LIB_DIR"
  mv "$tmp" "$LIB_DIR"
  rm -rf "$STATE_DIR/target"
  say "fetched Kafka $(kafka_version) ($(find "$LIB_DIR" -name '*.jar' | wc -l) jars)"
}

cmd_format() {
  jars_present || die "no Kafka jars in $LIB_DIR" "run: bash scripts/kafka/kafka.sh fetch   (or: up)"
  if formatted; then
    say "data dir $DATA_DIR already formatted (cluster $(sed -n 's/^cluster.id=//p' "$DATA_DIR/meta.properties"))"
    return 0
  fi
  if running; then
    die "a broker is running (pid $PID) on port $PORT but its data dir $DATA_DIR is not formatted" \
      "was it started with another KAFKA_DATA_DIR? stop it first: bash scripts/kafka/kafka.sh stop"
  fi
  find_java
  local cid=${KAFKA_CLUSTER_ID:-}
  if [[ -z $cid ]]; then
    # A Kafka Uuid: 16 random bytes, base64url without padding (what `kafka-storage random-uuid` prints).
    # Like Kafka's own Uuid.randomUuid, never one starting with '-': the storage tool would take
    # it for an option ("--cluster-id: expected one argument"), one format in 64.
    cid=-
    while [[ $cid == -* ]]; do
      cid=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    done
  fi
  write_config
  mkdir -p "$DATA_DIR"
  local out scram=()
  # SCRAM users live in the cluster metadata: KRaft writes them at format time.
  if [[ $SECURE == 1 ]]; then scram=(--add-scram "SCRAM-SHA-512=[name=$KAFKA_TEST_SCRAM_USER,password=$KAFKA_TEST_SCRAM_PASSWORD]"); fi
  if ! out=$("$JAVA" -Xmx256m -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dkafka.log.file="$LOG_DIR/tools.log" \
    -cp "$LIB_DIR/*" kafka.tools.StorageTool format --config "$PROPS" --cluster-id "$cid" --standalone "${scram[@]}" 2>&1); then
    printf '%s\n' "$out" | sed 's/^/  | /' >&2
    die "formatting $DATA_DIR failed (storage tool output above; its log: $LOG_DIR/tools.log)" \
      "if the directory holds old or foreign data, wipe it with: bash scripts/kafka/kafka.sh reset"
  fi
  say "formatted $DATA_DIR (cluster id $cid)"
}

check_ports_free() {
  local p
  local ports=("$PORT" "$CPORT")
  if [[ $SECURE == 1 ]]; then ports+=("$SASL_SSL_PORT" "$SSL_PORT"); fi
  for p in "${ports[@]}"; do
    if port_busy "$p"; then
      die "port $HOST:$p is already in use by another process (not the broker this script runs for KAFKA_PORT=$PORT)" \
        "stop that process, or pick other ports: KAFKA_PORT=<port> [KAFKA_CONTROLLER_PORT=<port>] bash scripts/kafka/kafka.sh up" \
        "(the controller port defaults to KAFKA_PORT+1; to see who holds the port: ss -ltnp 'sport = :$p')"
    fi
  done
}

cmd_start() {
  if running; then
    say "already running (pid $PID) on $HOST:$PORT"
    return 0
  fi
  rm -f "$PID_FILE"
  jars_present || die "no Kafka jars in $LIB_DIR" "run: bash scripts/kafka/kafka.sh fetch   (or: up)"
  formatted || die "data dir $DATA_DIR is not formatted" "run: bash scripts/kafka/kafka.sh format   (or: up)"
  check_ports_free
  find_java
  write_config
  mkdir -p "$LOG_DIR"
  local -a heap perf jvm launcher=()
  read -r -a heap <<<"${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
  # Same defaults as Kafka's bin/kafka-run-class.sh (and the same variable name to override them).
  read -r -a perf <<<"${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent}"
  read -r -a jvm <<<"${KAFKA_JVM_OPTS:-}"
  command -v setsid >/dev/null 2>&1 && launcher=(setsid)
  [[ -f $LOG_FILE ]] && stat -c %s "$LOG_FILE" >"$RUN_DIR/log.offset" || echo 0 >"$RUN_DIR/log.offset"
  # 9>&- : don't hand the kafka.sh lock to the broker.
  # The launched shell writes its own pid and then becomes the JVM: `$!` is not the broker's
  # pid when setsid has to fork (it does when job control put the job in its own group).
  nohup "${launcher[@]}" bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" "$JAVA" "${heap[@]}" "${perf[@]}" \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dkafka.log.file="$LOG_FILE" \
    -Dkafka.log.level="${KAFKA_LOG_LEVEL:-INFO}" -Dkafka.logs.dir="$LOG_DIR" \
    "${jvm[@]}" -cp "$LIB_DIR/*" kafka.Kafka "$PROPS" \
    </dev/null >"$OUT_FILE" 2>&1 9>&- &
  local tries=0
  until read_pid; do
    ((++tries < 100)) || die "the broker's launcher did not start (no pid in $PID_FILE after 5 s)" "see $OUT_FILE"
    sleep 0.05
  done
  say "started Kafka $(kafka_version) (pid $PID) on $HOST:$PORT (controller $HOST:$CPORT); log: $LOG_FILE"
}

cmd_await() {
  local pid_arg=() rc=0
  if running; then
    pid_arg=(--pid "$PID")
  elif [[ -f $PID_FILE ]]; then
    show_log_tail
    die "the broker (pid ${PID:-?}) is not running any more; it failed or was stopped" \
      "see the log: $LOG_FILE (JVM output: $OUT_FILE)"
  fi
  if command -v node >/dev/null 2>&1 && [[ -d $ROOT/node_modules/kafkajs ]]; then
    node "$SCRIPT_DIR/await.mjs" --brokers "$HOST:$PORT" --timeout "$AWAIT_TIMEOUT" "${pid_arg[@]}" || rc=$?
  else
    # Without node/kafkajs (no `npm ci` yet): wait for the startup line in the log and the port.
    say "node or kafkajs not available: waiting for the 'Kafka Server started' log line and port $PORT"
    local deadline=$((SECONDS + AWAIT_TIMEOUT))
    rc=1
    while ((SECONDS < deadline)); do
      if ((${#pid_arg[@]})) && ! kill -0 "$PID" 2>/dev/null; then rc=2; break; fi
      if this_run_log | grep 'Kafka Server started' >/dev/null && port_busy "$PORT"; then rc=0; break; fi
      sleep 0.2
    done
    ((rc != 0)) || say "Kafka at $HOST:$PORT is ready"
  fi
  case $rc in
    0) return 0 ;;
    2)
      show_log_tail
      die "the broker process exited while starting" "see the log: $LOG_FILE (JVM output: $OUT_FILE)" ;;
    3) die "could not run the readiness check (scripts/kafka/await.mjs); see the message above" ;;
    *)
      show_log_tail
      die "Kafka on $HOST:$PORT did not answer within ${AWAIT_TIMEOUT}s" \
        "see the log: $LOG_FILE (JVM output: $OUT_FILE); raise KAFKA_AWAIT_TIMEOUT on a slow machine" ;;
  esac
}

cmd_stop() {
  if ! running; then
    rm -f "$PID_FILE"
    say "not running (port $PORT)"
    return 0
  fi
  local pid=$PID deadline=$((SECONDS + STOP_TIMEOUT))
  say "stopping Kafka (pid $pid) ..."
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    say "still running after ${STOP_TIMEOUT}s: sending SIGKILL (data is kept; the next start recovers its logs)"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
  say "stopped"
}

cmd_status() {
  local state=stopped rc=3
  if running; then
    state="running (pid $PID)"
    rc=0
  fi
  printf 'Kafka %s: %s\n' "$(kafka_version || true)" "$state"
  printf '  bootstrap   %s:%s   (controller %s:%s)\n' "$HOST" "$PORT" "$HOST" "$CPORT"
  printf '  data dir    %s%s\n' "$DATA_DIR" "$(formatted && printf ' (cluster %s)' "$(sed -n 's/^cluster.id=//p' "$DATA_DIR/meta.properties")" || printf ' (not formatted)')"
  printf '  log file    %s\n' "$LOG_FILE"
  printf '  jars        %s%s\n' "$LIB_DIR" "$(jars_present || printf ' (not fetched)')"
  return $rc
}

cmd_reset() {
  cmd_stop
  if [[ -e $DATA_DIR ]]; then
    rm -rf -- "$DATA_DIR"
    say "deleted data dir $DATA_DIR"
  else
    say "no data dir at $DATA_DIR"
  fi
  rm -rf -- "$RUN_DIR"
}

cmd_logs() {
  [[ -f $LOG_FILE ]] || die "no log file yet at $LOG_FILE"
  tail -n "${KAFKA_LOG_LINES:-100}" "$LOG_FILE"
}

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

case ${1:-} in
  fetch) lock; cmd_fetch ;;
  format) lock; cmd_format ;;
  start) lock; cmd_start ;;
  await) cmd_await ;;
  stop | down) lock; cmd_stop ;;
  up)
    lock
    cmd_fetch
    running || check_ports_free # before formatting a data dir that could not be used
    cmd_format
    cmd_start
    cmd_await
    ;;
  status) cmd_status ;;
  reset) lock; cmd_reset ;;
  logs) cmd_logs ;;
  -h | --help | help) usage ;;
  '') usage >&2; exit 2 ;;
  *) usage >&2; die "unknown command '$1'" ;;
esac
