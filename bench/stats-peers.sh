#!/usr/bin/env bash
# Peer side of the statistics benchmark: profiles each CSV FILE with three tools outside Millrace,
# each in its own JVM, and prints one table.
#
#   bench/stats-peers.sh FILE...
#
#   deequ-profile      Deequ ColumnProfilerRunner on Spark local[2] (io.millrace.bench.DeequProfile)
#   spark-summary      Spark Dataset.summary() + collect on local[2]  (io.millrace.bench.SparkSummary)
#   handwritten-floor  single-threaded single-pass plain Java + FastCSV (io.millrace.bench.HandWrittenFloor)
#
# Columns: rows and seconds (reading + computation, JVM and Spark session start-up excluded) as the
# tool's RESULT line reports them, rows_per_s = rows / seconds, proc_s = wall clock of the whole
# JVM process, rss_mb = peak resident set (GNU time %M). A failed run prints FAILED and the
# script goes on (exit status 1 at the end).
#
# Environment: PEERS_TOOLS="deequ-profile spark-summary handwritten-floor" (subset/order),
#   PEERS_SPARK_XMX=8g, PEERS_FLOOR_XMX=8g, PEERS_LOG_DIR=bench/peers/target/logs (per-run
#   stdout and Spark log4j2 log), PEERS_TSV=FILE (also write the table as TSV),
#   PEERS_JAVA_OPTS (extra JVM flags, e.g. -Dspark.master=local[1] -Dspark.sql.shuffle.partitions=8;
#   -Dpeers.csv.multiLine=true for CSVs with line breaks inside quoted cells, which Spark otherwise
#   splits: it makes Spark read each file as a single partition).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
peers="$here/peers"
jar="$peers/target/millrace-bench-peers.jar"
log_dir="${PEERS_LOG_DIR:-$peers/target/logs}"
tools="${PEERS_TOOLS:-deequ-profile spark-summary handwritten-floor}"
spark_xmx="${PEERS_SPARK_XMX:-8g}"
floor_xmx="${PEERS_FLOOR_XMX:-8g}"
read -r -a extra_opts <<<"${PEERS_JAVA_OPTS:-}"

if [[ $# -eq 0 ]]; then
    echo "usage: $0 FILE..." >&2
    exit 2
fi
for f in "$@"; do
    [[ -r "$f" ]] || { echo "not a readable file: $f" >&2; exit 2; }
done

if [[ ! -x /usr/bin/time ]]; then
    echo "installing GNU time (apt) ..." >&2
    if ! { apt-get install -y -qq time >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq time >/dev/null 2>&1; }; }; then
        echo "cannot install GNU time (/usr/bin/time); install the 'time' package" >&2
        exit 2
    fi
fi

if [[ ! -f "$jar" || ! -d "$peers/target/lib" ]]; then
    echo "building $jar ..." >&2
    mvn -q -f "$peers/pom.xml" package -DskipTests >&2
fi
mkdir -p "$log_dir"

# What Spark's launcher adds on JDK 17 (org.apache.spark.launcher.JavaModuleOptions, Spark 3.5).
spark_opens=(
    -XX:+IgnoreUnrecognizedVMOptions
    --add-opens=java.base/java.lang=ALL-UNNAMED
    --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
    --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
    --add-opens=java.base/java.io=ALL-UNNAMED
    --add-opens=java.base/java.net=ALL-UNNAMED
    --add-opens=java.base/java.nio=ALL-UNNAMED
    --add-opens=java.base/java.util=ALL-UNNAMED
    --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
    --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
    --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
    --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
    --add-opens=java.base/sun.security.action=ALL-UNNAMED
    --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
    -Djdk.reflect.useDirectMethodHandle=false
    -Dio.netty.tryReflectionSetAccessible=true
)

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)" >&2
fmt='%-28s %-18s %12s %9s %12s %8s %8s\n'
printf "$fmt" file tool rows seconds rows_per_s proc_s rss_mb
tsv="${PEERS_TSV:-}"
if [[ -n "$tsv" ]]; then
    printf 'file\ttool\trows\tseconds\trows_per_s\tproc_s\trss_mb\n' >"$tsv"
fi

failed=0
for file in "$@"; do
    base="$(basename "$file")"
    for tool in $tools; do
        case "$tool" in
            deequ-profile)     main=io.millrace.bench.DeequProfile;    jvm=(-Xmx"$spark_xmx" "${spark_opens[@]}") ;;
            spark-summary)     main=io.millrace.bench.SparkSummary;    jvm=(-Xmx"$spark_xmx" "${spark_opens[@]}") ;;
            handwritten-floor) main=io.millrace.bench.HandWrittenFloor; jvm=(-Xmx"$floor_xmx") ;;
            *) echo "unknown tool: $tool" >&2; exit 2 ;;
        esac
        out="$log_dir/${base%.*}-$tool.out"
        spark_log="$log_dir/${base%.*}-$tool.spark.log"
        timing="$log_dir/${base%.*}-$tool.time"
        # Spark's scratch space in the log dir, so /tmp is not littered and the run is self-contained.
        scratch="$log_dir/${base%.*}-$tool.tmp"
        rm -rf "$scratch" "$spark_log" && mkdir -p "$scratch"
        rc=0
        /usr/bin/time -f '%e %M' -o "$timing" \
            java "${jvm[@]}" -Dpeers.log="$spark_log" -Djava.io.tmpdir="$scratch" -Dspark.local.dir="$scratch" \
            ${extra_opts[@]+"${extra_opts[@]}"} -cp "$jar" "$main" "$file" >"$out" 2>&1 || rc=$?
        rm -rf "$scratch"
        result="$(grep '^RESULT ' "$out" | tail -n 1 || true)"
        if [[ $rc -ne 0 || -z "$result" ]]; then
            failed=1
            printf "$fmt" "$base" "$tool" FAILED - - - -
            echo "  see $out and $spark_log" >&2
            [[ -n "$tsv" ]] && printf '%s\t%s\tFAILED\t\t\t\t\n' "$base" "$tool" >>"$tsv"
            continue
        fi
        rows="$(sed -E 's/.* rows=([0-9]+).*/\1/' <<<"$result")"
        secs="$(sed -E 's/.* seconds=([0-9.]+).*/\1/' <<<"$result")"
        rps="$(sed -E 's/.* rows_per_s=([0-9.]+).*/\1/' <<<"$result")"
        read -r proc_s rss_kb < <(tail -n 1 "$timing")
        rss_mb=$(( rss_kb / 1024 ))
        printf "$fmt" "$base" "$tool" "$rows" "$secs" "$rps" "$proc_s" "$rss_mb"
        [[ -n "$tsv" ]] && printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$base" "$tool" "$rows" "$secs" "$rps" "$proc_s" "$rss_mb" >>"$tsv"
    done
done
echo "per-run output and Spark logs: $log_dir" >&2
exit "$failed"
