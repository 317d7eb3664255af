#!/usr/bin/env bash
# Statistics + validation benchmark: `millrace validate --input FILE --schema S` (one pass: TFDV
# statistics of every record, then validation against a schema) on the generated 1M- and 5M-row
# taxi CSVs and the 3M-row flights Parquet file, on the DirectRunner and on embedded Flink; then the
# peers on the same CSV files (Deequ's ColumnProfilerRunner, Spark's summary(), a hand-written
# single-pass Java floor) through bench/stats-peers.sh. See bench/README.md.
#
# Usage: bench/stats.sh            (from any directory)
# Environment knobs (all optional):
#   BENCH_RUNNERS="direct flink"           which runners
#   BENCH_INPUTS="a.csv b.parquet"         inputs relative to the repo root
#   BENCH_PEER_INPUTS="bench/data/taxi-1m.csv"  CSVs the peers run on ("" skips the peers)
#   BENCH_XMX=1g                           heap of each millrace run: bounded heap is the point
#   MILLRACE=./millrace
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

TAXI_1M="bench/data/taxi-1m.csv"
TAXI_5M="bench/data/taxi-5m.csv"
FLIGHTS="../shared/data/flights/flights-3m.parquet"
read -r -a INPUTS <<< "${BENCH_INPUTS:-$TAXI_1M $TAXI_5M $FLIGHTS}"
read -r -a RUNNERS <<< "${BENCH_RUNNERS:-direct flink}"
read -r -a PEER_INPUTS <<< "${BENCH_PEER_INPUTS-$TAXI_1M}"
XMX="${BENCH_XMX:-1g}"
MILLRACE="${MILLRACE:-./millrace}"
RESULTS="bench/results"
mkdir -p bench/data "$RESULTS"

command -v python3 >/dev/null || { echo "python3 is needed to read manifest.json" >&2; exit 1; }
if [[ ! -x /usr/bin/time ]]; then
  echo "== installing GNU time (peak RSS)" >&2
  apt-get install -y -qq time >/dev/null
fi

if [[ ! -f runners/target/millrace.jar ]]; then
  echo "== runners/target/millrace.jar missing: mvn -q -DskipTests package" >&2
  mvn -q -DskipTests package
fi
for rows in 1000000 5000000; do
  f="bench/data/taxi-$((rows / 1000000))m.csv"
  if [[ " ${INPUTS[*]} ${PEER_INPUTS[*]} " == *" $f "* && ! -f "$f" ]]; then
    echo "== generating $f" >&2
    java bench/GenerateTaxiCsv.java --rows "$rows" --seed 42 --out "$f" >&2
  fi
done

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
records() {
  python3 - "$1" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(m["recordsIn"])
PY
}

TSV="$RESULTS/stats.tsv"
printf 'input\trunner\trows\twall_s\tpipeline_s\trows_per_s_pipeline\tpeak_rss_mb\txmx\tanomalies_exit\n' > "$TSV"
for f in "${INPUTS[@]}"; do
  [[ -f "$f" ]] || { echo "missing input: $f" >&2; exit 1; }
  base="$(basename "$f")"; base="${base%%.*}"
  # The schema to validate against: inferred once from the data itself, untimed.
  schema="$RESULTS/$base-schema.pbtxt"
  if [[ ! -f "$schema" ]]; then
    echo "== schema of $f" >&2
    MILLRACE_JAVA_OPTS="-Xmx4g" "$MILLRACE" stats --input "$f" --output "$RESULTS/$base-schema-stats" \
      --overwrite > "$RESULTS/$base-schema.log" 2>&1
    "$MILLRACE" schema --stats "$RESULTS/$base-schema-stats" --output "$schema" >> "$RESULTS/$base-schema.log" 2>&1
  fi
  for r in "${RUNNERS[@]}"; do
    case "$r" in
      direct) runner_args=() ;;
      flink) runner_args=(--runner FlinkRunner --flinkMaster "[local]") ;;
      *) echo "unknown runner: $r (direct|flink)" >&2; exit 1 ;;
    esac
    out="$RESULTS/$base-validate-$r"
    log="$RESULTS/$base-validate-$r.log"
    echo "== validate --input $f (${r}, -Xmx$XMX)  log: $log" >&2
    rm -rf "$out"   # the bench's own output: never count a stale manifest
    t0=$(now)
    set +e
    MILLRACE_JAVA_OPTS="-Xmx$XMX" /usr/bin/time -f "PEAK_RSS_KB %M" \
      "$MILLRACE" validate --input "$f" --schema "$schema" --output "$out" --overwrite \
      "${runner_args[@]}" > "$log" 2>&1
    code=$?
    set -e
    t1=$(now)
    wall=$(elapsed "$t0" "$t1")
    if [[ $code -ne 0 && $code -ne 4 ]]; then
      echo "   FAILED (exit $code), see $log" >&2
      printf '%s\t%s\tFAILED\t%s\t-\t-\t-\t%s\t%s\n' "$base" "$r" "$wall" "$XMX" "$code" >> "$TSV"
      continue
    fi
    rows=$(records "$out/statistics/manifest.json")
    pipeline=$(sed -n 's/^Computed statistics of .* records in \([0-9.]*\) s.*/\1/p' "$log" | head -1)
    rate=$(awk -v n="$rows" -v s="$pipeline" 'BEGIN { printf "%.0f", n / s }')
    rss=$(awk '/PEAK_RSS_KB/ { printf "%.0f", $2 / 1024 }' "$log")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$base" "$r" "$rows" "$wall" "$pipeline" "$rate" \
      "$rss" "$XMX" "$code" >> "$TSV"
  done
done

echo
echo "Millrace (statistics + validation in one job):"
column -t -s $'\t' "$TSV"

if [[ ${#PEER_INPUTS[@]} -gt 0 ]]; then
  PEERS_TSV="$RESULTS/stats-peers.tsv"
  echo
  echo "Peers on the same CSV files:"
  PEERS_TSV="$PEERS_TSV" bench/stats-peers.sh "${PEER_INPUTS[@]}" || true
  echo
  echo "Ratios (DirectRunner pipeline rows/s against each peer's rows/s; floor_over_millrace ="
  echo " hand-written floor seconds / Millrace pipeline seconds, 1.0 = as fast as the floor):"
  python3 - "$TSV" "$PEERS_TSV" <<'PY'
import csv, sys
mill = {(r["input"], r["runner"]): r for r in csv.DictReader(open(sys.argv[1]), delimiter="\t")}
for p in csv.DictReader(open(sys.argv[2]), delimiter="\t"):
    base = p["file"].split(".")[0]
    m = mill.get((base, "direct"))
    if not m or m["rows"] == "FAILED" or p["rows"] == "FAILED":
        continue
    ratio = float(m["rows_per_s_pipeline"]) / float(p["rows_per_s"])
    line = f"  {base:12s} vs {p['tool']:18s} millrace/peer throughput = {ratio:6.1f}x"
    if p["tool"] == "handwritten-floor":
        line += f"   floor_over_millrace = {float(p['seconds']) / float(m['pipeline_s']):.2f}"
    print(line)
PY
fi
echo
echo "(wall_s: whole CLI process incl. JVM start, fingerprinting and schema inference; pipeline_s: the"
echo " Beam job as the CLI logs it; anomalies_exit 4 = the data has blocking anomalies, expected for"
echo " generated data against a schema inferred from itself only if values drift; TSV: $TSV)"
