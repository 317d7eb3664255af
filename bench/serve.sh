#!/usr/bin/env bash
# Online serving benchmark: a loopback load generator (serving's test sources: ServeBenchmark,
# HdrHistogram with coordinated-omission correction) on the test suite's small taxi model, one-row
# requests, 1/16/64 client threads: throughput, p50, p99 of the in-process floor (the model called
# directly by as many threads), the HTTP server without and with adaptive batching, and p99 during a
# hot swap against steady state. Prints the table, the ratios against the issue's aims, and the load
# average (the machine is shared: read the figures with it).
# Usage: bench/serve.sh     Knobs: BENCH_SECONDS=4, BENCH_MAX_BATCH=64, BENCH_BATCH_TIMEOUT_MICROS=1000,
#   BENCH_ROWS=1 (rows per request), BENCH_CLIENT=jdk (the JDK's HttpClient instead of a keep-alive socket)
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
OUT="bench/results/serve"
mkdir -p "$OUT"
CP_FILE="$REPO/$OUT/classpath.txt"
echo "== build serving and its test classes" >&2
mvn -B -o -q -pl serving -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$CP_FILE" -Dmdep.includeScope=test >&2
CP="$REPO/serving/target/test-classes:$REPO/serving/target/classes:$(cat "$CP_FILE")"
# From a module's folder, as the tests run: the test suite's taxi model finds its spec and data there.
(cd serving && java -Xmx2g -cp "$CP" io.millrace.serving.ServeBenchmark "$REPO/$OUT" \
  "${BENCH_SECONDS:-4}" "${BENCH_MAX_BATCH:-64}" "${BENCH_BATCH_TIMEOUT_MICROS:-1000}" \
  "${BENCH_ROWS:-1}" 2>"$REPO/$OUT/serve.log") | tee "$OUT/serve.txt"
