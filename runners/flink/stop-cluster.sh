#!/usr/bin/env bash
# Stops the loopback Flink cluster that start-cluster.sh started for a run directory.
#
# Usage: stop-cluster.sh [RUN_DIR]   (default: <script dir>/run)
# Environment:
#   FLINK_STOP_TIMEOUT_SECONDS  grace period after SIGTERM before SIGKILL (default: 30)
#
# Only the PIDs recorded in RUN_DIR/*.pid are signalled, and only if their command line still
# names RUN_DIR/conf (a recycled PID is left alone). Idempotent: with nothing running it
# removes stale PID files and exits 0.
set -euo pipefail

FLINK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN_DIR="${1:-${FLINK_DIR}/run}"
TIMEOUT_SECONDS="${FLINK_STOP_TIMEOUT_SECONDS:-30}"

log() { echo "[stop-cluster] $*" >&2; }

if [[ ! -d "${RUN_DIR}" ]]; then
  log "nothing to stop: ${RUN_DIR} does not exist"
  exit 0
fi
RUN_DIR="$(cd "${RUN_DIR}" && pwd)"
CONF_DIR="${RUN_DIR}/conf"

# True if PID $1 is alive and was started with this run's config dir.
ours() {
  [[ -r "/proc/$1/cmdline" ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "${CONF_DIR}"
}

started_ms=$(date +%s%3N)
pids=()
# TaskManagers first: stopping them before the JobManager avoids the JobManager logging
# heartbeat timeouts and reconnect attempts during shutdown.
for pid_file in "${RUN_DIR}"/taskmanager*.pid "${RUN_DIR}/jobmanager.pid"; do
  [[ -f "${pid_file}" ]] || continue
  name="$(basename "${pid_file}" .pid)"
  pid="$(cat "${pid_file}")"
  if [[ "${pid}" =~ ^[0-9]+$ ]] && ours "${pid}"; then
    log "stopping ${name} (PID ${pid})"
    kill -TERM "${pid}" 2>/dev/null || true
    pids+=("${pid}")
  else
    log "${name} is not running (stale PID file)"
  fi
done

# SIGTERM runs Flink's shutdown hooks (ports released, temp dirs deleted); wait for them,
# then SIGKILL whatever is left.
deadline=$((SECONDS + TIMEOUT_SECONDS))
for pid in "${pids[@]}"; do
  while ours "${pid}"; do
    if ((SECONDS >= deadline)); then
      log "PID ${pid} still alive after ${TIMEOUT_SECONDS} s, sending SIGKILL"
      kill -KILL "${pid}" 2>/dev/null || true
      # A killed process disappears at once unless it is a zombie of a live parent, which
      # no longer has a cmdline and so no longer counts as ours.
      break
    fi
    sleep 0.2
  done
done

rm -f "${RUN_DIR}"/taskmanager*.pid "${RUN_DIR}/jobmanager.pid"
if ((${#pids[@]} > 0)); then
  elapsed_ms=$(($(date +%s%3N) - started_ms))
  log "stopped after $((elapsed_ms / 1000)).$(printf %03d $((elapsed_ms % 1000))) s"
fi
