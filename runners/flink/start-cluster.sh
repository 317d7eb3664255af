#!/usr/bin/env bash
# Starts a standalone Flink 1.19.0 session cluster (1 JobManager + N TaskManagers with 2 slots
# each, N = 1 by default) on 127.0.0.1, built only from the Maven Central jars in target/lib (no
# flink-dist tarball).
#
# Usage: start-cluster.sh [RUN_DIR] [REST_PORT] [JM_RPC_PORT]
#   RUN_DIR      where conf, logs, PID files and temp files go (default: <script dir>/run)
#   REST_PORT    REST API and dashboard port (default: 8081)
#   JM_RPC_PORT  JobManager RPC port (default: 6123); the TaskManager RPC, data and blob
#                ports are picked by the OS, so two clusters only need distinct REST and
#                JobManager RPC ports.
# Environment:
#   FLINK_START_TIMEOUT_SECONDS  how long to wait for a free slot (default: 120)
#   JAVA                         the java executable (default: $JAVA_HOME/bin/java, else java)
#   FLINK_TASKMANAGERS           how many TaskManagers to start (default: 1)
#   FLINK_TASKMANAGER_PRIVATE_DIRS
#                                colon-separated absolute folders that each TaskManager sees
#                                as its own empty tmpfs, as a process on another host would:
#                                every TaskManager is started in a mount namespace of its own
#                                (unshare -m, needs root or CAP_SYS_ADMIN) with a tmpfs over
#                                each folder and over its temporary and blob folders. Unset:
#                                the TaskManagers share this host's disk.
#   FLINK_CDS                    1 (default): class-data sharing, see below; 0: none
#   FLINK_CDS_DIR                where the archives are kept (default: <script dir>/target/cds)
#
# Class-data sharing: the JobManager and each TaskManager map an archive of the classes that a
# process of their kind loaded in an earlier cluster on these very jars (Flink, Beam, Millrace, the
# AWS SDK: 14,400 classes a TaskManager would otherwise load and verify from lib/ during its first
# jobs). Without a current archive, the processes write one as they exit, and stop-cluster.sh
# keeps it if the cluster ran a job to its end; a jar in lib/ newer than an archive makes it stale.
# FLINK_CDS=0 when a TaskManager is to run Java Flight Recorder: with both, JDK 17.0.15 crashed at
# start (SIGSEGV in KlassFactory::check_shared_class_file_load_hook).
#
# On success prints "REST address: 127.0.0.1:<REST_PORT>" and exits 0; the processes keep
# running in the background until stop-cluster.sh RUN_DIR. On failure prints the tail of the
# logs, stops whatever it started and exits non-zero.
set -euo pipefail

# Resolve paths relative to this script so it works from any current directory.
FLINK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN_DIR="${1:-${FLINK_DIR}/run}"
REST_PORT="${2:-8081}"
JM_RPC_PORT="${3:-6123}"
TIMEOUT_SECONDS="${FLINK_START_TIMEOUT_SECONDS:-120}"
TASKMANAGERS="${FLINK_TASKMANAGERS:-1}"
PRIVATE_DIRS="${FLINK_TASKMANAGER_PRIVATE_DIRS:-}"
LIB_DIR="${FLINK_DIR}/target/lib"

if [[ -n "${JAVA:-}" ]]; then
  JAVA_BIN="${JAVA}"
elif [[ -n "${JAVA_HOME:-}" ]]; then
  JAVA_BIN="${JAVA_HOME}/bin/java"
else
  JAVA_BIN="java"
fi

# Flink's default env.java.opts.all for Java 17 (flink-dist 1.19 config.yaml): Flink's
# serializers and RPC reflect into these JDK packages. We do not use Flink's bin/ scripts,
# so the flags are passed here instead of via the configuration.
JAVA17_OPTS=(
  --add-exports=java.base/sun.net.util=ALL-UNNAMED
  --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
)

log() { echo "[start-cluster] $*" >&2; }

CDS="${FLINK_CDS:-1}"
CDS_DIR="${FLINK_CDS_DIR:-${FLINK_DIR}/target/cds}"
# The class-data flags of process NAME (jobmanager, taskmanager-N), one per line: map the archive
# of its kind when it is current, else write one at exit under a private name in the run dir.
cds_flags() {
  local name="$1" kind="${1%%-*}"
  local archive="${CDS_DIR}/${kind}.jsa"
  [[ "${CDS}" == 1 ]] || return 0
  printf '%s\n' -Xlog:cds=off -Xlog:cds+dynamic=off
  if [[ -s "${archive}" && -z "$(find "${LIB_DIR}" -newer "${archive}" -print -quit)" ]]; then
    log "${name} maps the class data in ${archive}"
    echo "-XX:SharedArchiveFile=${archive}"
  else
    log "${name} writes its class data as it exits (no current ${archive})"
    echo "-XX:ArchiveClassesAtExit=${RUN_DIR}/${name}.jsa.tmp"
  fi
}

is_number() { [[ "$1" =~ ^[0-9]+$ ]]; }

# True if something accepts TCP connections on 127.0.0.1:$1 (bash's /dev/tcp, no extra tools).
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# True if the PID in file $1 is a live process started for this run dir. Checking the command
# line guards against a recycled PID belonging to an unrelated process.
pid_file_alive() {
  local pid
  [[ -f "$1" ]] || return 1
  pid="$(cat "$1")"
  is_number "${pid}" || return 1
  [[ -r "/proc/${pid}/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/${pid}/cmdline" | grep -qF -- "${CONF_DIR}"
}

for port in "${REST_PORT}" "${JM_RPC_PORT}"; do
  if ! is_number "${port}" || ((port < 1 || port > 65535)); then
    log "invalid port: ${port}"
    exit 2
  fi
done
if ! is_number "${TASKMANAGERS}" || ((TASKMANAGERS < 1)); then
  log "invalid FLINK_TASKMANAGERS: ${TASKMANAGERS} (a number >= 1)"
  exit 2
fi
IFS=: read -r -a PRIVATE_DIR_LIST <<<"${PRIVATE_DIRS}"
for dir in "${PRIVATE_DIR_LIST[@]}"; do
  if [[ "${dir}" != /* || ! -d "${dir}" || "${dir}" == / ]]; then
    log "FLINK_TASKMANAGER_PRIVATE_DIRS: '${dir}' is not an existing absolute folder other than /"
    exit 2
  fi
done
if [[ "${REST_PORT}" == "${JM_RPC_PORT}" ]]; then
  log "REST_PORT and JM_RPC_PORT must differ (both ${REST_PORT})"
  exit 2
fi

mkdir -p "${RUN_DIR}"
RUN_DIR="$(cd "${RUN_DIR}" && pwd)"
CONF_DIR="${RUN_DIR}/conf"
LOG_DIR="${RUN_DIR}/log"
JM_PID_FILE="${RUN_DIR}/jobmanager.pid"
# taskmanager-1.pid ... taskmanager-N.pid
tm_pid_file() { echo "${RUN_DIR}/taskmanager-$1.pid"; }
any_taskmanager_alive() {
  local f
  for f in "${RUN_DIR}"/taskmanager*.pid; do
    [[ -e "${f}" ]] || continue
    pid_file_alive "${f}" && return 0
  done
  return 1
}

# Refuse to start a second cluster over a live one: its PID files would be overwritten and
# stop-cluster.sh could no longer stop the first.
if pid_file_alive "${JM_PID_FILE}" || any_taskmanager_alive; then
  log "a cluster is already running for ${RUN_DIR}; run stop-cluster.sh ${RUN_DIR} first"
  exit 1
fi
rm -f "${JM_PID_FILE}" "${RUN_DIR}"/taskmanager*.pid "${RUN_DIR}"/*.jsa.tmp
# stop-cluster.sh keeps the archives the processes write here.
if [[ "${CDS}" == 1 ]]; then echo "${CDS_DIR}" >"${RUN_DIR}/cds-dir"; else rm -f "${RUN_DIR}/cds-dir"; fi

# Fail fast with a clear message rather than a bind error buried in the JobManager log.
for port in "${REST_PORT}" "${JM_RPC_PORT}"; do
  if port_in_use "${port}"; then
    log "port ${port} on 127.0.0.1 is already in use"
    exit 1
  fi
done

# A TaskManager must still read its configuration and jars under its private folders, and a
# host that cannot create mount namespaces cannot give the isolation asked for: say so at once
# (exit 3) rather than after a TaskManager dies.
for dir in "${PRIVATE_DIR_LIST[@]}"; do
  for needed in "${RUN_DIR}" "${LIB_DIR}"; do
    if [[ "${needed}/" == "${dir%/}/"* ]]; then
      log "FLINK_TASKMANAGER_PRIVATE_DIRS: ${dir} would hide ${needed} from the TaskManagers"
      exit 2
    fi
  done
done
if ((${#PRIVATE_DIR_LIST[@]} > 0)); then
  mkdir -p "${RUN_DIR}/tmp"
  if ! probe="$(unshare --mount --propagation private /bin/sh -c \
    "mount -t tmpfs tmpfs '${RUN_DIR}/tmp'" 2>&1)"; then
    log "cannot isolate the TaskManagers: unshare --mount / mount -t tmpfs failed: ${probe}"
    exit 3
  fi
fi

# The cluster's jars come from Maven Central via this module's pom (copy-dependencies); built
# with the reactor, as Millrace's modules (whose dependencies lib/ carries) may not be installed.
if [[ ! -d "${LIB_DIR}" ]] || ! compgen -G "${LIB_DIR}/flink-runtime-*.jar" >/dev/null; then
  log "building ${LIB_DIR}"
  mvn -q -f "${FLINK_DIR}/../../pom.xml" -pl runners/flink -am package -DskipTests
fi
CLASSPATH="${LIB_DIR}/*"

# Effective configuration: the templates with this run's directories and ports.
mkdir -p "${CONF_DIR}" "${LOG_DIR}" "${RUN_DIR}/tmp" "${RUN_DIR}/blobs" "${RUN_DIR}/web/upload" \
  "${RUN_DIR}/plugins"
# Flink looks for plugins (file systems, metric reporters) here; without it, in ./plugins of
# whatever the current directory is.
export FLINK_PLUGINS_DIR="${RUN_DIR}/plugins"
sed -e "s#@RUN_DIR@#${RUN_DIR}#g" \
  -e "s#@REST_PORT@#${REST_PORT}#g" \
  -e "s#@JM_RPC_PORT@#${JM_RPC_PORT}#g" \
  "${FLINK_DIR}/conf/config.yaml" >"${CONF_DIR}/config.yaml"
cp "${FLINK_DIR}/conf/log4j.properties" "${FLINK_DIR}/conf/log4j-console.properties" "${CONF_DIR}/"

# The code version (io.millrace.pipeline.CodeVersion, part of every cache key) of the Millrace in
# lib/: a client of the same version finds it in the REST API's /jobmanager/config and stages no
# jar, as every class its jobs need is already here. Computed from the bytes of lib/'s classes.
if ! CODE_VERSION="$("${JAVA_BIN}" -cp "${CLASSPATH}" io.millrace.pipeline.CodeVersion 2>&1)"; then
  log "cannot compute the code version of the Millrace in ${LIB_DIR}: ${CODE_VERSION}"
  exit 1
fi
echo "millrace.code-version: ${CODE_VERSION}" >>"${CONF_DIR}/config.yaml"

# Asks Flink's BashJavaUtils for the memory settings of a process, as flink-dist's
# config.sh does: stdout holds two lines prefixed BASH_JAVA_UTILS_EXEC_RESULT:, first the JVM
# flags (-Xmx, -XX:MaxDirectMemorySize, ...), then the derived sizes as "-D key=value"
# dynamic properties that the process must be started with.
resource_params() {
  local command="$1" output
  if ! output="$("${JAVA_BIN}" -Dlog4j.configurationFile="file:${CONF_DIR}/log4j-console.properties" \
    -cp "${CLASSPATH}" org.apache.flink.runtime.util.bash.BashJavaUtils \
    "${command}" --configDir "${CONF_DIR}" 2>&1)"; then
    log "BashJavaUtils ${command} failed:"
    echo "${output}" >&2
    return 1
  fi
  local results
  results="$(grep '^BASH_JAVA_UTILS_EXEC_RESULT:' <<<"${output}" | sed 's/^BASH_JAVA_UTILS_EXEC_RESULT://')" || true
  if [[ "$(wc -l <<<"${results}")" -lt 2 ]]; then
    log "unexpected BashJavaUtils ${command} output:"
    echo "${output}" >&2
    return 1
  fi
  echo "${results}"
}

# Starts one Flink process in the background: launch NAME PID_FILE MAIN_CLASS JVM_ARGS...
# The program arguments are the run's config dir plus the dynamic properties in the global
# array DYNAMIC; the global array LAUNCH_PREFIX (e.g. the unshare of an isolated TaskManager)
# comes before java and must exec it, so that the PID recorded is java's. Its
# stdin/stdout/stderr are detached from ours (/dev/null and a .out file) so that a caller
# reading this script's output (e.g. a Java ProcessBuilder) sees end-of-stream when the script
# exits, not when the cluster stops. Bash ignores SIGINT and SIGQUIT in background jobs of a
# non-interactive shell, so a Ctrl-C meant for the caller does not half-kill the cluster;
# stop-cluster.sh stops it.
LAUNCH_PREFIX=()
launch() {
  local name="$1" pid_file="$2" main_class="$3"
  shift 3
  "${LAUNCH_PREFIX[@]}" "${JAVA_BIN}" "${JAVA17_OPTS[@]}" "$@" \
    -Dlog.file="${LOG_DIR}/${name}.log" \
    -Dlog4j.configuration="file:${CONF_DIR}/log4j.properties" \
    -Dlog4j.configurationFile="file:${CONF_DIR}/log4j.properties" \
    -cp "${CLASSPATH}" "${main_class}" \
    --configDir "${CONF_DIR}" "${DYNAMIC[@]}" \
    </dev/null >"${LOG_DIR}/${name}.out" 2>&1 &
  LAUNCHED_PID=$!
  echo "${LAUNCHED_PID}" >"${pid_file}"
}

# Prints the end of every log so a failed start can be diagnosed from the caller's output.
print_log_tails() {
  local f
  for f in "${LOG_DIR}"/*.log "${LOG_DIR}"/*.out; do
    [[ -s "${f}" ]] || continue
    echo "----- tail of ${f} -----" >&2
    tail -n 40 "${f}" >&2
  done
}

# Stops what this script started, used when the cluster does not come up.
fail() {
  log "$*"
  print_log_tails
  "${FLINK_DIR}/stop-cluster.sh" "${RUN_DIR}" >&2 || true
  exit 1
}

started_ms=$(date +%s%3N)
# The JobManager starts before the TaskManager's parameters are computed: its ~2 s of JVM
# start overlaps the second BashJavaUtils run, and the TaskManager retries registration
# until the JobManager answers anyway. Word splitting of the parameter lines is intended:
# the values contain no spaces.
JM_PARAMS="$(resource_params GET_JM_RESOURCE_PARAMS)"
read -r -a JM_JVM_ARGS <<<"$(sed -n 1p <<<"${JM_PARAMS}")"
read -r -a DYNAMIC <<<"$(sed -n 2p <<<"${JM_PARAMS}")"
mapfile -t JM_CDS < <(cds_flags jobmanager)
launch jobmanager "${JM_PID_FILE}" \
  org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint "${JM_JVM_ARGS[@]}" \
  "${JM_CDS[@]}"
JM_PID=${LAUNCHED_PID}

if ! TM_PARAMS="$(resource_params GET_TM_RESOURCE_PARAMS)"; then
  fail "could not compute the TaskManager's memory settings"
fi
read -r -a TM_JVM_ARGS <<<"$(sed -n 1p <<<"${TM_PARAMS}")"
read -r -a DYNAMIC <<<"$(sed -n 2p <<<"${TM_PARAMS}")"
if ((${#PRIVATE_DIR_LIST[@]} > 0)); then
  # A mount namespace per TaskManager, its mounts private (not propagated back to this host's
  # namespace): a tmpfs over each folder hides what is there from that TaskManager alone, and
  # what it writes there stays in its own memory, as on another host's disk. Its temporary and
  # blob folders are private too. sh mounts, then execs java, so the PID stays java's.
  TM_PRIVATE_DIRS="${PRIVATE_DIRS}:${RUN_DIR}/tmp:${RUN_DIR}/blobs"
  LAUNCH_PREFIX=(env "MILLRACE_PRIVATE_DIRS=${TM_PRIVATE_DIRS}"
    unshare --mount --propagation private /bin/sh -c
    'IFS=:; for d in $MILLRACE_PRIVATE_DIRS; do mount -t tmpfs -o mode=1777 tmpfs "$d" || exit 97; done; exec "$@"'
    isolated-taskmanager)
fi
TM_PIDS=()
for ((tm = 1; tm <= TASKMANAGERS; tm++)); do
  # JavaCPP caps native memory at 4x the heap by default, which failed TensorFlow's load in a
  # DoFn's @Setup on a small TaskManager; Flink's own budgets bound the process instead.
  mapfile -t TM_CDS < <(cds_flags "taskmanager-${tm}")
  launch "taskmanager-${tm}" "$(tm_pid_file "${tm}")" \
    org.apache.flink.runtime.taskexecutor.TaskManagerRunner "${TM_JVM_ARGS[@]}" \
    -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 "${TM_CDS[@]}"
  TM_PIDS+=("${LAUNCHED_PID}")
done
LAUNCH_PREFIX=()

# Ready means every TaskManager has registered and offers its slots: only then can a job be
# scheduled on all of them. /overview answers a few seconds before the TaskManager registers.
REST_URL="http://127.0.0.1:${REST_PORT}"
deadline=$((SECONDS + TIMEOUT_SECONDS))
while true; do
  # kill -0 rather than the command-line check: both are our own children (no PID reuse
  # while we run), and a child that has not yet exec'ed java still shows bash's command line.
  if ! kill -0 "${JM_PID}" 2>/dev/null; then
    fail "the JobManager process exited"
  fi
  for pid in "${TM_PIDS[@]}"; do
    if ! kill -0 "${pid}" 2>/dev/null; then
      fail "a TaskManager process (PID ${pid}) exited"
    fi
  done
  overview="$(curl -sf --max-time 2 "${REST_URL}/overview" 2>/dev/null || true)"
  taskmanagers="$(grep -o '"taskmanagers":[0-9]*' <<<"${overview}" | cut -d: -f2 || true)"
  slots_available="$(grep -o '"slots-available":[0-9]*' <<<"${overview}" | cut -d: -f2 || true)"
  if [[ -n "${taskmanagers}" && -n "${slots_available}" ]] \
    && ((taskmanagers >= TASKMANAGERS && slots_available >= TASKMANAGERS)); then
    break
  fi
  if ((SECONDS >= deadline)); then
    fail "no TaskManager slot available at ${REST_URL}/overview after ${TIMEOUT_SECONDS} s (last answer: ${overview:-none})"
  fi
  sleep 0.5
done

elapsed_ms=$(($(date +%s%3N) - started_ms))
log "ready after $((elapsed_ms / 1000)).$(printf %03d $((elapsed_ms % 1000))) s: ${overview}"
log "logs and PID files in ${RUN_DIR}; stop with: ${FLINK_DIR}/stop-cluster.sh ${RUN_DIR}"
echo "REST address: 127.0.0.1:${REST_PORT}"
