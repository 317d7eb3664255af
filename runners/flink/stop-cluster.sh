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

# Class-data sharing (see start-cluster.sh): an archive a process writes as it exits is kept only
# if the cluster ran a job to its end (a cluster that ran none has loaded few of a job's classes),
# and never from a process that had to be killed.
CDS_DIR=""
[[ -f "${RUN_DIR}/cds-dir" ]] && CDS_DIR="$(cat "${RUN_DIR}/cds-dir")"
if [[ -n "${CDS_DIR}" && "${CDS_DIR}" != /* ]]; then
  log "ignoring ${RUN_DIR}/cds-dir: '${CDS_DIR}' is not an absolute folder"
  CDS_DIR=""
fi
# The first bytes of a JDK dynamic class-data archive: only such a file is ever replaced.
is_class_data() { [[ "$(od -An -tx1 -N4 "$1" 2>/dev/null | tr -d ' \n')" == a8ab0bf0 ]]; }
finished_jobs=0
rest_port="$(sed -n 's/^rest\.port: *//p' "${CONF_DIR}/config.yaml" 2>/dev/null | head -1 || true)"
if [[ -n "${CDS_DIR}" && "${rest_port}" =~ ^[0-9]+$ ]]; then
  finished_jobs="$(curl -sf --max-time 5 "http://127.0.0.1:${rest_port}/jobs/overview" 2>/dev/null |
    grep -o '"state":"FINISHED"' | wc -l || true)"
fi

started_ms=$(date +%s%3N)
pids=()
names=()
killed=()
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
    names+=("${name}")
  else
    log "${name} is not running (stale PID file)"
  fi
done

# SIGTERM runs Flink's shutdown hooks (ports released, temp dirs deleted); wait for them,
# then SIGKILL whatever is left.
deadline=$((SECONDS + TIMEOUT_SECONDS))
for i in "${!pids[@]}"; do
  pid="${pids[$i]}"
  while ours "${pid}"; do
    if ((SECONDS >= deadline)); then
      log "PID ${pid} still alive after ${TIMEOUT_SECONDS} s, sending SIGKILL"
      kill -KILL "${pid}" 2>/dev/null || true
      killed+=("${names[$i]}")
      # A killed process disappears at once unless it is a zombie of a live parent, which
      # no longer has a cmdline and so no longer counts as ours.
      break
    fi
    sleep 0.2
  done
done

rm -f "${RUN_DIR}"/taskmanager*.pid "${RUN_DIR}/jobmanager.pid"

if [[ -n "${CDS_DIR}" ]]; then
  for kind in jobmanager taskmanager; do
    for partial in "${RUN_DIR}/${kind}"*.jsa.tmp; do
      [[ -s "${partial}" ]] || continue
      name="$(basename "${partial}" .jsa.tmp)"
      target="${CDS_DIR}/${kind}.jsa"
      if [[ -e "${target}" ]] && ! is_class_data "${target}"; then
        log "not replacing ${target}: it is no class-data archive"
        break
      elif ((finished_jobs > 0)) && [[ " ${killed[*]} " != *" ${name} "* ]]; then
        # Copied beside its place under a private name, then renamed: a cluster starting now maps
        # either the old archive or the whole new one.
        mkdir -p "${CDS_DIR}"
        mv -f "${partial}" "${CDS_DIR}/${kind}.jsa.$$"
        mv -f "${CDS_DIR}/${kind}.jsa.$$" "${target}"
        log "kept the ${kind}'s class data: ${target}"
        break
      fi
    done
  done
  rm -f "${RUN_DIR}"/*.jsa.tmp
fi
if ((${#pids[@]} > 0)); then
  elapsed_ms=$(($(date +%s%3N) - started_ms))
  log "stopped after $((elapsed_ms / 1000)).$(printf %03d $((elapsed_ms % 1000))) s"
fi
