package io.millrace.bench;

import java.util.Locale;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Shared set-up of the Spark-based peers: local session and the CSV reader both use. */
final class SparkSupport {
    private SparkSupport() {}

    /**
     * Local session. Master from -Dspark.master (default local[2]); any other spark.* system
     * property (e.g. -Dspark.sql.shuffle.partitions=8) is picked up by SparkConf as usual.
     */
    static SparkSession session(String app) {
        return SparkSession.builder()
                .appName(app)
                .master(System.getProperty("spark.master", "local[2]"))
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .getOrCreate();
    }

    /**
     * CSV with a header row and schema inference; RFC 4180 quoting (a quote is escaped by doubling
     * it; quoted commas are fine). A quoted line break needs -Dpeers.csv.multiLine=true, off by
     * default because Spark then reads each file as one partition (no parallelism).
     */
    static Dataset<Row> readCsv(SparkSession spark, String path) {
        return spark.read()
                .option("header", "true")
                .option("inferSchema", "true")
                .option("quote", "\"")
                .option("escape", "\"")
                .option("multiLine", Boolean.getBoolean("peers.csv.multiLine"))
                .csv(path);
    }

    static String result(String tool, long rows, double seconds) {
        return String.format(Locale.ROOT, "RESULT %s rows=%d seconds=%.3f rows_per_s=%.0f",
                tool, rows, seconds, seconds > 0 ? rows / seconds : 0.0);
    }

    static double secondsSince(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
