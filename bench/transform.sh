#!/usr/bin/env bash
# Preprocessing benchmark: `millrace transform` (analyze the train split, then materialize every
# split transformed) on the generated 1M-row taxi CSV ingested first, on the DirectRunner; then the
# serving runtime's per-record latency (p50/p99) and throughput with bench/TransformLatency.java.
# Usage: bench/transform.sh     Knobs: BENCH_ROWS=1000000, MILLRACE=./millrace
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
ROWS="${BENCH_ROWS:-1000000}"
CSV="bench/data/taxi-$((ROWS / 1000000))m.csv"
MILLRACE="${MILLRACE:-./millrace}"
OUT="bench/results/transform"
mkdir -p bench/data "$OUT"
[[ -f runners/target/millrace.jar ]] || mvn -q -DskipTests package
[[ -f "$CSV" ]] || java bench/GenerateTaxiCsv.java --rows "$ROWS" --seed 42 --out "$CSV" >&2

echo "== ingest $CSV (untimed)" >&2
"$MILLRACE" ingest --input "$CSV" --output "$OUT/raw" --overwrite > "$OUT/ingest.log" 2>&1
echo "== transform (examples/taxi/transform.json)" >&2
t0=$(date +%s.%N)
"$MILLRACE" transform --examples "$OUT/raw" --spec examples/taxi/transform.json \
  --output "$OUT/t" --overwrite > "$OUT/transform.log" 2>&1
t1=$(date +%s.%N)
analyze=$(sed -n 's/^Analyzed split .* in \([0-9.]*\) s.*/\1/p' "$OUT/transform.log")
materialize=$(sed -n 's/^Transformed .* examples in \([0-9.]*\) s.*/\1/p' "$OUT/transform.log")
awk -v r="$ROWS" -v a="$analyze" -v m="$materialize" -v w0="$t0" -v w1="$t1" 'BEGIN {
  printf "analyze (train split) %.1f s; materialize (all %d rows) %.1f s; analyze+materialize %.0f rows/s;",
    a, r, m, r / (a + m)
  printf " whole command incl. pre/post statistics %.1f s\n", w1 - w0 }'
echo "== serving runtime" >&2
java -Xmx2g -cp runners/target/millrace.jar bench/TransformLatency.java "$OUT/t/transform" \
  "$CSV" 2>/dev/null
