#!/usr/bin/env bash
# Ingestion benchmark: `millrace ingest` on a generated 1M-row taxi CSV and the 3M-row flights
# Parquet file, on the embedded DirectRunner and on an embedded Flink mini-cluster ([local]),
# against the floor of `cat FILE > /dev/null`. See bench/README.md.
#
# Usage: bench/ingest.sh            (from any directory)
# Environment knobs (all optional):
#   BENCH_RUNNERS="direct flink"    which runners to run
#   BENCH_INPUTS="a.csv b.parquet"  inputs, relative to the repo root (default: the two below)
#   BENCH_ROWS=1000000              rows of the generated taxi CSV (file: bench/data/taxi-<N>.csv)
#   BENCH_PARALLELISM=N             passed as --parallelism N when set
#   MILLRACE=./millrace             the CLI to run
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

ROWS="${BENCH_ROWS:-1000000}"
case "$ROWS" in
  *000000) ROWS_LABEL="$((ROWS / 1000000))m" ;;
  *000) ROWS_LABEL="$((ROWS / 1000))k" ;;
  *) ROWS_LABEL="$ROWS" ;;
esac
TAXI_CSV="bench/data/taxi-${ROWS_LABEL}.csv"
FLIGHTS="../shared/data/flights/flights-3m.parquet"
read -r -a INPUTS <<< "${BENCH_INPUTS:-$TAXI_CSV $FLIGHTS}"
read -r -a RUNNERS <<< "${BENCH_RUNNERS:-direct flink}"
MILLRACE="${MILLRACE:-./millrace}"
RESULTS="bench/results"
mkdir -p bench/data "$RESULTS"

command -v python3 >/dev/null || { echo "python3 is needed to read manifest.json" >&2; exit 1; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# --- build -------------------------------------------------------------------------------------
if [[ ! -f runners/target/millrace.jar ]]; then
  echo "== runners/target/millrace.jar missing: mvn -q -DskipTests package" >&2
  mvn -q -DskipTests package
fi
if [[ ! -x "$MILLRACE" ]]; then
  echo "no executable $MILLRACE in $REPO" >&2
  exit 1
fi

# --- data --------------------------------------------------------------------------------------
if [[ ! -f "$TAXI_CSV" ]]; then
  echo "== generating $TAXI_CSV" >&2
  java bench/GenerateTaxiCsv.java --rows "$ROWS" --seed 42 --out "$TAXI_CSV" >&2
fi
for f in "${INPUTS[@]}"; do
  [[ -f "$f" ]] || { echo "missing input: $f" >&2; exit 1; }
done

# --- floor: cat FILE > /dev/null (second, warm-cache read; the runs read a warm cache too) -----
declare -A CAT_S
for f in "${INPUTS[@]}"; do
  cat "$f" > /dev/null
  t0=$(now); cat "$f" > /dev/null; t1=$(now)
  CAT_S["$f"]=$(elapsed "$t0" "$t1")
  echo "== cat $f: ${CAT_S[$f]} s" >&2
done

# total records of a run: sum(splits[].count) + deadLetterCount
manifest_count() {
  python3 - "$1" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(sum(int(s.get("count", 0)) for s in m.get("splits", [])) + int(m.get("deadLetterCount", 0)))
PY
}

# --- runs --------------------------------------------------------------------------------------
TSV="$RESULTS/ingest.tsv"
printf 'input\trunner\trows\twall_s\trows_per_s\tpipeline_s\tpipeline_rows_per_s\tcat_s\tcat_over_run\n' > "$TSV"
for f in "${INPUTS[@]}"; do
  base="$(basename "$f")"; base="${base%%.*}"
  for r in "${RUNNERS[@]}"; do
    case "$r" in
      direct) runner_args=() ;;
      # quoted: an unquoted [local] is a glob
      flink) runner_args=(--runner FlinkRunner --flinkMaster "[local]") ;;
      *) echo "unknown runner: $r (direct|flink)" >&2; exit 1 ;;
    esac
    [[ -n "${BENCH_PARALLELISM:-}" ]] && runner_args+=(--parallelism "$BENCH_PARALLELISM")
    out="$RESULTS/$base-$r"
    log="$RESULTS/$base-$r.log"
    echo "== $MILLRACE ingest --input $f --output $out --overwrite ${runner_args[*]}  (log: $log)" >&2
    rm -rf "$out"   # the bench's own output: never count a stale manifest
    t0=$(now)
    if "$MILLRACE" ingest --input "$f" --output "$out" --overwrite "${runner_args[@]}" > "$log" 2>&1; then
      t1=$(now)
      wall=$(elapsed "$t0" "$t1")
      if rows=$(manifest_count "$out/manifest.json" 2>>"$log"); then
        rate=$(awk -v n="$rows" -v s="$wall" 'BEGIN { printf "%.0f", n / s }')
      else
        rows="NO-MANIFEST"; rate="-"
      fi
    else
      echo "   FAILED (exit $?), see $log" >&2
      wall="FAILED"; rows="-"; rate="-"
    fi
    ratio=$( [[ "$rate" == - ]] && echo "-" || awk -v c="${CAT_S[$f]}" -v w="$wall" 'BEGIN { printf "%.4f", c / w }')
    # The CLI logs "Read N records in S s": the pipeline alone, without JVM start and planning.
    pipeline=$(sed -n 's/^Read .* records in \([0-9.]*\) s.*/\1/p' "$log" | head -1)
    pipeline_rate=$( [[ -z "$pipeline" || "$rows" == - ]] && echo "-" \
      || awk -v n="$rows" -v s="$pipeline" 'BEGIN { printf "%.0f", n / s }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$f" "$r" "$rows" "$wall" "$rate" \
      "${pipeline:--}" "$pipeline_rate" "${CAT_S[$f]}" "$ratio" >> "$TSV"
  done
done

# --- table -------------------------------------------------------------------------------------
echo
awk -F'\t' '{ printf "%-46s %-7s %9s %8s %11s %10s %12s %7s %12s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }' "$TSV"
echo
echo "(wall_s includes JVM start-up, input fingerprinting and schema inference; pipeline_s is the"
echo " Beam pipeline alone, as the CLI logs it; cat_over_run = cat_s / wall_s; TSV: $TSV)"
