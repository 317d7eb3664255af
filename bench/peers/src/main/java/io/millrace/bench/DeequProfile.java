package io.millrace.bench;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import com.amazon.deequ.profiles.ColumnProfile;
import com.amazon.deequ.profiles.ColumnProfilerRunner;
import com.amazon.deequ.profiles.ColumnProfiles;
import com.amazon.deequ.profiles.NumericColumnProfile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import scala.collection.JavaConverters;

/**
 * Deequ's column profiler (defaults: completeness, approx. distinct, data type, numeric stats,
 * histograms of low-cardinality columns) over a CSV, on local Spark.
 *
 * <p>{@code seconds} covers reading (schema inference included) and the whole profiler run; the
 * Spark session start-up is reported separately on a {@code startup_s} line.
 *
 * <pre>java [--add-opens ...] -cp millrace-bench-peers.jar io.millrace.bench.DeequProfile FILE.csv</pre>
 */
public final class DeequProfile {
    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: DeequProfile FILE.csv");
            System.exit(2);
        }
        long s0 = System.nanoTime();
        SparkSession spark = SparkSupport.session("deequ-profile");
        System.out.printf(Locale.ROOT, "startup_s=%.3f spark=%s%n", SparkSupport.secondsSince(s0), spark.version());

        long t0 = System.nanoTime();
        Dataset<Row> df = SparkSupport.readCsv(spark, args[0]);
        ColumnProfiles profiles = new ColumnProfilerRunner().onData(df).run();
        double seconds = SparkSupport.secondsSince(t0);

        Map<String, ColumnProfile> byColumn =
                new TreeMap<>(JavaConverters.mapAsJavaMapConverter(profiles.profiles()).asJava());
        for (String name : df.columns()) {
            ColumnProfile p = byColumn.get(name);
            if (p == null) continue;
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                    "%-24s type=%-9s completeness=%.4f approx_distinct=%d", name, p.dataType(),
                    p.completeness(), p.approximateNumDistinctValues()));
            if (p instanceof NumericColumnProfile) {
                NumericColumnProfile n = (NumericColumnProfile) p;
                line.append(String.format(Locale.ROOT, " mean=%s min=%s max=%s std=%s",
                        opt(n.mean()), opt(n.minimum()), opt(n.maximum()), opt(n.stdDev())));
            }
            System.out.println(line);
        }
        System.out.println(SparkSupport.result("deequ-profile", profiles.numRecords(), seconds));
        spark.stop();
    }

    private static String opt(scala.Option<Object> o) {
        return o.isDefined() ? String.format(Locale.ROOT, "%.6g", (Double) o.get()) : "-";
    }
}
