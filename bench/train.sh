#!/usr/bin/env bash
# Trainer benchmark: the trainer stage (`millrace train`, a one-trial Beam job on the DirectRunner)
# against the plainest TensorFlow Java loop for the same DNN 64-64 and batch size on the same
# in-memory data and thread count (bench/TrainFloor.java, the floor), on the generated 1M-row taxi data transformed
# by examples/taxi/transform.json (train split ~667k rows, 2 epochs).
# Usage: bench/train.sh     Knobs: BENCH_ROWS=1000000, MILLRACE=./millrace, RUNS=3
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
ROWS="${BENCH_ROWS:-1000000}"
RUNS="${RUNS:-3}"
CSV="bench/data/taxi-$((ROWS / 1000000))m.csv"
MILLRACE="${MILLRACE:-./millrace}"
OUT="bench/results/train"
mkdir -p bench/data "$OUT"
[[ -f runners/target/millrace.jar ]] || mvn -q -DskipTests package
[[ -f "$CSV" ]] || java bench/GenerateTaxiCsv.java --rows "$ROWS" --seed 42 --out "$CSV" >&2
if [[ ! -f "$OUT/t/transform/manifest.json" ]]; then
  echo "== ingest and transform $CSV (untimed)" >&2
  "$MILLRACE" ingest --input "$CSV" --output "$OUT/raw" --overwrite > "$OUT/ingest.log" 2>&1
  "$MILLRACE" transform --examples "$OUT/raw" --spec examples/taxi/transform.json \
    --output "$OUT/t" --overwrite > "$OUT/transform.log" 2>&1
fi
export TF_CPP_MIN_LOG_LEVEL=2
for run in $(seq 1 "$RUNS"); do
  t0=$(date +%s.%N)
  "$MILLRACE" train --transformed "$OUT/t" --label big_tipper --model-config bench/train-model.json \
    --output "$OUT/model" --overwrite > "$OUT/train.log" 2>&1
  t1=$(date +%s.%N)
  loop=$(python3 -c "import json;t=json.load(open('$OUT/model/trials.json'))['trials'][0];print('%.0f %.2f'%(t['examplesPerSecond'],t['trainSeconds']))")
  floor=$(java -Xmx4g -Dthreads="$(nproc)" -cp runners/target/millrace.jar bench/TrainFloor.java "$OUT/t" big_tipper 512 2 8 64 64 2>/dev/null \
    | sed -n 's/.* = \([0-9]*\) examples\/s.*/\1/p')
  awk -v l="${loop% *}" -v s="${loop#* }" -v f="$floor" -v w0="$t0" -v w1="$t1" -v run="$run" 'BEGIN {
    printf "run %d: trainer loop %.0f examples/s (%.1f s); bare TF Java loop %.0f examples/s; trainer/floor %.2f; whole `millrace train` command %.1f s\n",
      run, l, s, f, l / f, w1 - w0 }'
done
