#!/usr/bin/env bash
# Evaluator benchmark: `millrace evaluate` of the generated 1M-row taxi CSV by two models in one
# job (a candidate DNN and a wide & deep baseline, both trained by bench/train.sh's setup), with
# slices by payment_type and trip_start_hour, on the DirectRunner and on Flink embedded.
# Aim: under 30 s for 1M rows by two models. Usage: bench/evaluate.sh  Knobs: RUNS=3
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
RUNS="${RUNS:-3}"
MILLRACE="${MILLRACE:-./millrace}"
OUT="bench/results/evaluate"
T="bench/results/train/t"
CSV="bench/data/taxi-1m.csv"
mkdir -p "$OUT"
export TF_CPP_MIN_LOG_LEVEL=2
[[ -f "$T/transform/manifest.json" ]] || RUNS=1 bench/train.sh >&2
if [[ ! -f "$OUT/candidate/model/model.json" ]]; then
  echo "== train the two models (untimed)" >&2
  "$MILLRACE" train --transformed "$T" --label big_tipper --model-config bench/train-model.json \
    --output "$OUT/candidate" --overwrite > "$OUT/train-candidate.log" 2>&1
  echo '{"kind": "WIDE_AND_DEEP", "hiddenUnits": [32, 16], "batchSize": 512, "epochs": 1}' \
    > "$OUT/baseline-model.json"
  "$MILLRACE" train --transformed "$T" --label big_tipper --model-config "$OUT/baseline-model.json" \
    --output "$OUT/baseline" --overwrite > "$OUT/train-baseline.log" 2>&1
fi
echo '{"slices": [["payment_type"], ["trip_start_hour"]], "minSliceSize": 100}' > "$OUT/config.json"
for runner in DirectRunner FlinkRunner; do
  for run in $(seq 1 "$RUNS"); do
    rm -rf "$OUT/eval"
    t0=$(date +%s.%N)
    "$MILLRACE" evaluate --model "$OUT/candidate/model" --baseline "$OUT/baseline/model" \
      --input "$CSV" --config "$OUT/config.json" --output "$OUT/eval" --runner "$runner" \
      > "$OUT/evaluate.log" 2>&1 || true
    t1=$(date +%s.%N)
    rows=$(python3 -c "import json;e=json.load(open('$OUT/eval/evaluation.json'));m=e['models']['candidate'];print(int(m['slices']['']['example_count'])+m['unusableLabels'])")
    awk -v r="$rows" -v w0="$t0" -v w1="$t1" -v run="$run" -v runner="$runner" 'BEGIN {
      printf "%s run %d: %d rows x 2 models in %.1f s (whole command) = %.0f rows/s, each row scored by both models\n",
        runner, run, r, w1 - w0, r / (w1 - w0) }'
  done
done
