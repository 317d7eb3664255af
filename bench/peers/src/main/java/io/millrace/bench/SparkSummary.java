package io.millrace.bench;

import java.util.List;
import java.util.Locale;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Spark's {@code Dataset.summary()} (count, mean, stddev, min, 25%, 50%, 75%, max per column) over a
 * CSV, on local Spark, forced with {@code collectAsList()}.
 *
 * <p>{@code seconds} covers reading (schema inference included) and the summary; the row count
 * comes from a separate {@code count()} afterwards, timed on its own ({@code count_s}), as does
 * the session start-up ({@code startup_s}).
 *
 * <pre>java [--add-opens ...] -cp millrace-bench-peers.jar io.millrace.bench.SparkSummary FILE.csv</pre>
 */
public final class SparkSummary {
    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: SparkSummary FILE.csv");
            System.exit(2);
        }
        long s0 = System.nanoTime();
        SparkSession spark = SparkSupport.session("spark-summary");
        System.out.printf(Locale.ROOT, "startup_s=%.3f spark=%s%n", SparkSupport.secondsSince(s0), spark.version());

        long t0 = System.nanoTime();
        Dataset<Row> df = SparkSupport.readCsv(spark, args[0]);
        Dataset<Row> summary = df.summary();
        List<Row> rows = summary.collectAsList();
        double seconds = SparkSupport.secondsSince(t0);

        long c0 = System.nanoTime();
        long n = df.count();
        System.out.printf(Locale.ROOT, "count_s=%.3f rows=%d%n", SparkSupport.secondsSince(c0), n);

        String[] cols = summary.columns();
        for (Row r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < cols.length; i++) {
                if (i > 0) line.append(i == 1 ? ": " : " | ");
                if (i > 0) line.append(cols[i]).append('=');
                line.append(r.isNullAt(i) ? "null" : r.get(i).toString());
            }
            System.out.println(line);
        }
        System.out.println(SparkSupport.result("spark-summary", n, seconds));
        spark.stop();
    }
}
