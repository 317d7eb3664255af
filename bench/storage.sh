#!/usr/bin/env bash
# Storage benchmark (issue 13): ingestion and statistics of the 1M-row taxi CSV from the local disk
# and from an S3-compatible server on 127.0.0.1 (S3Proxy, the tests' server), on the DirectRunner;
# then the taxi example pipeline on a Flink cluster of two TaskManagers that share no disk with the
# client (each in a mount namespace of its own with a private /tmp; a shared disk where namespaces
# are not permitted), its inputs, root and registry on the S3 server, cold and fully cached, next to
# the DirectRunner on the local disk.
# Aims: S3 at most 1.5x the local run; the cluster's cold run at most 2x the DirectRunner's (printed
# against the DirectRunner on the local disk and on the same S3 server).
#
# Usage: bench/storage.sh
# Knobs: MILLRACE=./millrace, BENCH_ROWS=1000000, CLUSTER=1 (0 skips the cluster part), UPLOAD=1 (0
# skips the row that uploads millrace.jar per stage), CLUSTER_PARALLELISM=2 (the cluster jobs', as
# in IsolatedFlinkClusterIT: a subtask per core, one on each TaskManager)
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
MILLRACE="${MILLRACE:-./millrace}"
ROWS="${BENCH_ROWS:-1000000}"
PARALLELISM="${CLUSTER_PARALLELISM:-2}"
OUT="$REPO/bench/results/storage"
mkdir -p "$OUT" bench/data
export TF_CPP_MIN_LOG_LEVEL=2

[[ -f runners/target/millrace.jar ]] || mvn -q -DskipTests package
S3PROXY_LIB="transforms/s3proxy/target/lib"
[[ -d "$S3PROXY_LIB" ]] || mvn -q -pl transforms/s3proxy package
case "$ROWS" in
  1000000) CSV="bench/data/taxi-1m.csv" ;;
  *) CSV="bench/data/taxi-${ROWS}.csv" ;;
esac
if [[ ! -f "$CSV" ]]; then
  echo "generating $CSV ($ROWS rows)" >&2
  java bench/GenerateTaxiCsv.java --rows "$ROWS" --seed 42 --out "$CSV" >&2
fi

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -n "${CLUSTER_DIR:-}" ]] && runners/flink/stop-cluster.sh "$CLUSTER_DIR" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# --- The S3 server: S3Proxy on a free port, its buckets as folders, a key pair of its own. ---
S3_DIR="$OUT/s3"
rm -rf "$S3_DIR"
mkdir -p "$S3_DIR/buckets"
ACCESS_KEY="AKBENCH$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F)"
SECRET_KEY="$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')"
cat >"$S3_DIR/s3proxy.conf" <<CONF
s3proxy.endpoint=http://127.0.0.1:0
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$ACCESS_KEY
s3proxy.credential=$SECRET_KEY
jclouds.provider=filesystem-nio2
jclouds.identity=local
jclouds.credential=local
jclouds.filesystem.basedir=$S3_DIR/buckets
CONF
# Warnings only, as the tests' server: without a configuration, logback logs every request at DEBUG
# (800,000 lines for one taxi pipeline), which made the S3 figures measure S3Proxy's logging.
cat >"$S3_DIR/logback.xml" <<'XML'
<configuration>
  <appender name="out" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%level %logger %msg%n</pattern></encoder>
  </appender>
  <logger name="org.gaul.shaded.org.eclipse.jetty.server.AbstractConnector" level="INFO"/>
  <root level="WARN"><appender-ref ref="out"/></root>
</configuration>
XML
java -Xmx256m -Dlogback.configurationFile="$S3_DIR/logback.xml" -cp "$S3PROXY_LIB/*" \
  org.gaul.s3proxy.Main --properties "$S3_DIR/s3proxy.conf" \
  >"$S3_DIR/s3proxy.log" 2>&1 </dev/null &
PIDS+=($!)
for _ in $(seq 1 240); do
  PORT="$(grep -o 'Started ServerConnector.*{127.0.0.1:[0-9]*}' "$S3_DIR/s3proxy.log" | grep -o '[0-9]*}$' | tr -d '}' || true)"
  [[ -n "$PORT" ]] && break
  sleep 0.5
done
[[ -n "${PORT:-}" ]] || { echo "S3Proxy did not start:" >&2; cat "$S3_DIR/s3proxy.log" >&2; exit 1; }
export AWS_ENDPOINT_URL_S3="http://127.0.0.1:$PORT" AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID="$ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$SECRET_KEY"
export AWS_REQUEST_CHECKSUM_CALCULATION=when_required AWS_RESPONSE_CHECKSUM_VALIDATION=when_required
# A configuration of its own: a user's ~/.aws/config (a profile's region, a multipart threshold of
# 1 GB, under which the AWS CLI sent the 128 MB CSV as one PUT that S3Proxy buffers whole) would
# change what is measured.
printf '[default]\nregion = us-east-1\n' >"$S3_DIR/aws-config"
export AWS_CONFIG_FILE="$S3_DIR/aws-config" AWS_SHARED_CREDENTIALS_FILE="$S3_DIR/aws-credentials"
unset AWS_PROFILE
# The upload through the S3 API (the AWS CLI), untimed.
aws s3 mb s3://bench >/dev/null
aws s3 cp "$CSV" "s3://bench/taxi/$(basename "$CSV")" >/dev/null
S3_CSV="s3://bench/taxi/$(basename "$CSV")"

# --- Ingestion and statistics, local vs S3 (DirectRunner). ---
declare -A WALL
timed() {
  local key="$1" log="$OUT/$1.log"
  shift
  local t0 t1
  t0=$(now)
  if ! "$MILLRACE" "$@" >"$log" 2>&1; then
    echo "FAILED: $key (see $log)" >&2
    WALL[$key]=0
    return 0
  fi
  t1=$(now)
  WALL[$key]=$(elapsed "$t0" "$t1")
  printf '  %-34s %7s s\n' "$key" "${WALL[$key]}" >&2
}
echo "== ingest and statistics of $CSV ($(du -h "$CSV" | cut -f1)), DirectRunner" >&2
# One warm-up read of each, untimed: the file cache and the S3 server's own.
"$MILLRACE" stats --input "$CSV" --output "$OUT/warm-local" --overwrite >/dev/null 2>&1 || true
"$MILLRACE" stats --input "$S3_CSV" --output "$OUT/warm-s3" --overwrite >/dev/null 2>&1 || true
timed ingest-local ingest --input "$CSV" --output "$OUT/ingest-local" --overwrite
timed ingest-s3 ingest --input "$S3_CSV" --output "$OUT/ingest-s3" --overwrite
timed stats-local stats --input "$CSV" --output "$OUT/stats-local" --overwrite
timed stats-s3 stats --input "$S3_CSV" --output "$OUT/stats-s3" --overwrite

# --- The taxi pipeline: DirectRunner vs the two-TaskManager cluster. ---
example() {
  local dir="$OUT/pipeline-$1"
  rm -rf "$dir"
  mkdir -p "$dir"
  cp -r examples/taxi/. "$dir/"
  sed -i "s#^root: .*#root: root#" "$dir/pipeline.yaml"
  echo "$dir/pipeline.yaml"
}
# The example with its inputs, root and registry under s3://bench/NAME/.
example_on_s3() {
  local file
  file=$(example "$1")
  aws s3 rm --recursive --quiet "s3://bench/$1/" >/dev/null || true
  aws s3 cp --recursive --quiet examples/taxi/data "s3://bench/$1/data" >/dev/null
  sed -i -e "s#^root: .*#root: s3://bench/$1/root\nregistry: {path: s3://bench/$1/registry}#" \
    -e "s#pattern: data/#pattern: s3://bench/$1/data/#" "$file"
  echo "$file"
}
echo "== the taxi pipeline" >&2
# Untimed: the first pipeline run after a build writes ./millrace's class-data archive for `run`.
"$MILLRACE" run --pipeline "$(example direct-prime)" >"$OUT/pipeline-direct-prime.log" 2>&1 || true
file=$(example direct)
timed pipeline-direct-cold run --pipeline "$file"
timed pipeline-direct-cached run --pipeline "$file"
file=$(example_on_s3 direct-s3)
timed pipeline-direct-s3-cold run --pipeline "$file" --metadata-url "jdbc:sqlite:$(dirname "$file")/metadata.sqlite"
if [[ "${CLUSTER:-1}" == 1 ]]; then
  CLUSTER_DIR="$OUT/cluster-run"
  if unshare --mount --propagation private /bin/sh -c "mount -t tmpfs tmpfs '$OUT'" 2>/dev/null; then
    export FLINK_TASKMANAGER_PRIVATE_DIRS=/tmp LAYOUT="2 TaskManagers, no shared /tmp"
  else
    unset FLINK_TASKMANAGER_PRIVATE_DIRS
    LAYOUT="2 TaskManagers sharing the disk (no mount namespaces here)"
  fi
  # Untimed: a first cluster runs a pipeline and stops, as on a machine that ran Millrace on Flink
  # before: its processes leave the class-data archives that later clusters map (see
  # runners/flink/start-cluster.sh), and the client its own. The timed clusters start fresh.
  FLINK_TASKMANAGERS=2 runners/flink/start-cluster.sh "$CLUSTER_DIR" 18281 16323 >"$OUT/cluster-prime.log" 2>&1
  file=$(example_on_s3 cluster-prime)
  "$MILLRACE" run --pipeline "$file" --metadata-url "jdbc:sqlite:$(dirname "$file")/metadata.sqlite" \
    --runner FlinkRunner --flinkMaster 127.0.0.1:18281 --parallelism "$PARALLELISM" >"$OUT/pipeline-cluster-prime.log" 2>&1 || true
  runners/flink/stop-cluster.sh "$CLUSTER_DIR" >>"$OUT/cluster-prime.log" 2>&1
  t0=$(now)
  FLINK_TASKMANAGERS=2 runners/flink/start-cluster.sh "$CLUSTER_DIR" 18281 16323 >"$OUT/cluster.log" 2>&1
  echo "  cluster ($LAYOUT) up in $(elapsed "$t0" "$(now)") s" >&2
  grep -o "taskmanager-1 [a-z]* .*" "$OUT/cluster.log" | sed 's/^/  /' >&2 || true
  JM_LOG="$CLUSTER_DIR/log/jobmanager.log"
  # The FlinkRunner's log lines, timed, to pair each job's "Starting execution" on the client with
  # the JobManager's "Received JobGraph submission": the submission, upload included.
  export MILLRACE_JAVA_OPTS="-Xmx4g -Dorg.slf4j.simpleLogger.log.org.apache.beam.runners.flink.FlinkRunner=info -Dorg.slf4j.simpleLogger.showDateTime=true -Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS"
  declare -A SUBMIT
  on_cluster() {
    local key="$1" from since
    shift
    from=$(($(wc -l <"$JM_LOG") + 1))
    since=$(date +%s%3N)
    timed "$key" run "$@" --runner FlinkRunner --flinkMaster 127.0.0.1:18281 --parallelism "$PARALLELISM"
    # Where the wall time went: the jobs' own time on the cluster (the JobManager's REST API),
    # each job in $OUT/$key.jobs.tsv; the rest is the client's (JVM start, translation,
    # submission, the stages' file work between jobs).
    curl -s http://127.0.0.1:18281/jobs/overview >"$OUT/$key.jobs.json" || true
    jq -r --argjson since "$since" '.jobs[] | select(."start-time" >= $since)
      | [."start-time", .name, .state, (.duration / 1000)] | @tsv' "$OUT/$key.jobs.json" |
      sort -n | cut -f2- >"$OUT/$key.jobs.tsv" || true
    printf '  %-34s jobs: %s\n' "$key" "$(jq -r --argjson since "$since" \
      '[.jobs[] | select(."start-time" >= $since)] | "\(length), \(([.[].duration] | add // 0)
      / 100 | round / 10) s running on the cluster"' "$OUT/$key.jobs.json" 2>/dev/null)" >&2
    # Which TaskManagers ran the jobs' tasks: both, or the run measured one TaskManager.
    local jid vid
    printf '  %-34s TaskManagers that ran tasks: %s\n' "$key" "$(
      for jid in $(jq -r --argjson since "$since" '.jobs[] | select(."start-time" >= $since) | .jid' \
        "$OUT/$key.jobs.json"); do
        for vid in $(curl -s "http://127.0.0.1:18281/jobs/$jid" | jq -r '.vertices[].id'); do
          curl -s "http://127.0.0.1:18281/jobs/$jid/vertices/$vid/taskmanagers" |
            jq -r '.taskmanagers[] | select(."status-counts".FINISHED > 0) | ."taskmanager-id"'
        done
      done | sort -u | wc -l)" >&2
    SUBMIT[$key]=$(paste \
      <(grep -o '^[0-9:.]* \[main\] INFO org.apache.beam.runners.flink.FlinkRunner - Starting execution' \
        "$OUT/$key.log" | cut -d' ' -f1) \
      <(tail -n +"$from" "$JM_LOG" | grep 'Received JobGraph submission' | awk '{print $2}' | tr , .) |
      awk -F'\t' 'function s(t) { split(t, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
        NF == 2 && $1 != "" && $2 != "" { n++; sum += s($2) - s($1) }
        END { if (n) printf "%d jobs, %.1f s each", n, sum / n; else printf "no job" }')
    printf '  %-34s submit: %s\n' "$key" "${SUBMIT[$key]}" >&2
    # Threads each TaskManager holds after the run (pool-*: Executors' default factory, as Beam's
    # S3 file system's pool per job was, ~150 per TaskManager per pipeline until S3 copies and
    # deletes went straight to S3): a count that grows run after run is a leak.
    local pid
    printf '  %-34s TaskManager threads (pool-*):' "$key" >&2
    for pid in $(cat "$CLUSTER_DIR"/taskmanager-*.pid 2>/dev/null); do
      printf ' %s (%s)' "$(ls "/proc/$pid/task" | wc -l)" \
        "$(cat /proc/"$pid"/task/*/comm 2>/dev/null | grep -c '^pool-')" >&2
    done
    printf '\n' >&2
  }
  # As on separate hosts: inputs, root and registry on the S3 server, which every process reaches.
  # Its metadata store a fresh local file, as a remote root's default store under ~/.millrace would
  # keep the claims of earlier benchmark runs.
  file=$(example_on_s3 cluster)
  store="jdbc:sqlite:$(dirname "$file")/metadata.sqlite"
  on_cluster pipeline-cluster-cold --pipeline "$file" --metadata-url "$store"
  on_cluster pipeline-cluster-cached --pipeline "$file" --metadata-url "$store"
  # A second pipeline, cold (a root and registry of its own), on the same cluster: its TaskManagers
  # loaded and compiled Beam's, Millrace's and the S3 client's classes in the first run, as a
  # session cluster's do once. Measured at load 9: the first cold run's jobs ran 47 s on the
  # cluster, the second's 26 s (ingest 13.2 -> 3.6 s, statistics 8.6 -> 3.0 s).
  file=$(example_on_s3 cluster-warm)
  on_cluster pipeline-cluster-warm-cold --pipeline "$file" \
    --metadata-url "jdbc:sqlite:$(dirname "$file")/metadata.sqlite"
  grep -h "lib/ carries" "$OUT/pipeline-cluster-cold.log" | head -1 | sed 's/^/  /' >&2 || true
  # Before: every stage's job uploads the 370 MB millrace.jar, which each TaskManager fetches.
  # On the local disk (bench/results lies outside the TaskManagers' private /tmp): a job jar whose
  # classes lib/ carries too mixes two copies of Millrace and Beam in a TaskManager, and S3 work then
  # reaches an earlier job's closed class loader (see README, Running on a Flink cluster).
  if [[ "${UPLOAD:-1}" == 1 ]]; then
    file=$(example cluster-upload)
    on_cluster pipeline-cluster-cold-upload --pipeline "$file" \
      --filesToStage="$REPO/runners/target/millrace.jar"
  else
    WALL[pipeline-cluster-cold-upload]=- SUBMIT[pipeline-cluster-cold-upload]=-
  fi
  unset MILLRACE_JAVA_OPTS
fi

# --- Figures and ratios. ---
{
  printf 'what\tlocal_or_direct_s\ts3_or_cluster_s\tratio\taim\n'
  printf 'ingest %s rows\t%s\t%s\t%s\t<= 1.5\n' "$ROWS" "${WALL[ingest-local]}" "${WALL[ingest-s3]}" \
    "$(ratio "${WALL[ingest-s3]}" "${WALL[ingest-local]}")"
  printf 'statistics %s rows\t%s\t%s\t%s\t<= 1.5\n' "$ROWS" "${WALL[stats-local]}" "${WALL[stats-s3]}" \
    "$(ratio "${WALL[stats-s3]}" "${WALL[stats-local]}")"
  printf 'taxi pipeline, cold, DirectRunner, S3 vs local\t%s\t%s\t%s\t-\n' \
    "${WALL[pipeline-direct-cold]}" "${WALL[pipeline-direct-s3-cold]}" \
    "$(ratio "${WALL[pipeline-direct-s3-cold]}" "${WALL[pipeline-direct-cold]}")"
  if [[ "${CLUSTER:-1}" == 1 ]]; then
    printf 'taxi pipeline, cold: DirectRunner on local disk vs cluster on S3\t%s\t%s\t%s\t<= 2\n' "${WALL[pipeline-direct-cold]}" \
      "${WALL[pipeline-cluster-cold]}" \
      "$(ratio "${WALL[pipeline-cluster-cold]}" "${WALL[pipeline-direct-cold]}")"
    printf 'taxi pipeline, cold, all on S3: DirectRunner vs cluster\t%s\t%s\t%s\t<= 2\n' \
      "${WALL[pipeline-direct-s3-cold]}" "${WALL[pipeline-cluster-cold]}" \
      "$(ratio "${WALL[pipeline-cluster-cold]}" "${WALL[pipeline-direct-s3-cold]}")"
    printf 'taxi pipeline, cold, on a cluster that ran one before\t%s\t%s\t%s\t-\n' \
      "${WALL[pipeline-direct-cold]}" "${WALL[pipeline-cluster-warm-cold]}" \
      "$(ratio "${WALL[pipeline-cluster-warm-cold]}" "${WALL[pipeline-direct-cold]}")"
    printf 'taxi pipeline, fully cached\t%s\t%s\t%s\t-\n' "${WALL[pipeline-direct-cached]}" \
      "${WALL[pipeline-cluster-cached]}" \
      "$(ratio "${WALL[pipeline-cluster-cached]}" "${WALL[pipeline-direct-cached]}")"
    printf 'taxi pipeline, cold, millrace.jar uploaded per stage\t%s\t%s\t%s\t-\n' \
      "${WALL[pipeline-direct-cold]}" "${WALL[pipeline-cluster-cold-upload]}" \
      "$(ratio "${WALL[pipeline-cluster-cold-upload]}" "${WALL[pipeline-direct-cold]}")"
    printf 'submit per stage (no jar / millrace.jar)\t-\t%s / %s\t-\t-\n' \
      "${SUBMIT[pipeline-cluster-cold]}" "${SUBMIT[pipeline-cluster-cold-upload]}"
  fi
} | tee "$OUT/storage.tsv" | column -t -s $'\t'
