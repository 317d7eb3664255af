package io.millrace.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;

/**
 * The floor: straightforward single-threaded, single-pass column statistics in plain Java
 * (FastCSV for RFC 4180 parsing, no Spark).
 *
 * <p>Per column: non-missing and missing counts (missing = empty cell or absent field). Numeric
 * columns: mean, population standard deviation (Welford), min, max, number of zeros. String
 * columns: exact distinct count (HashMap of value to count) and the most frequent value.
 *
 * <p>Typing, still in one pass: the first {@value #SAMPLE} records are buffered; a column is
 * numeric when each of its non-empty sample cells parses as a double. A numeric column's later
 * unparsable cells are counted as {@code bad} (never happens on the taxi data). A column with no
 * non-empty cell in the sample stays undecided and is tracked both ways until its first
 * unparsable cell (then it is a string column) or the end (then numeric).
 *
 * <p>{@code seconds} covers opening the file to the finished statistics; JVM start-up is outside.
 *
 * <pre>java -cp millrace-bench-peers.jar io.millrace.bench.HandWrittenFloor FILE.csv</pre>
 */
public final class HandWrittenFloor {
    static final int SAMPLE = 1000;

    /** Accumulators of one column. */
    static final class Col {
        final String name;
        boolean numeric;      // still possibly / decided numeric
        boolean decided;      // type fixed from the sample
        boolean trackStrings; // HashMap in use
        long present, missing, bad, zeros;
        double mean, m2, min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        long n; // numeric values accepted
        final HashMap<String, int[]> counts = new HashMap<>();

        Col(String name) {
            this.name = name;
        }

        void accept(String s) {
            if (s == null || s.isEmpty()) {
                missing++;
                return;
            }
            present++;
            if (numeric) {
                double v;
                try {
                    v = Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    if (decided) {
                        bad++;
                        return;
                    }
                    numeric = false; // undecided column turns out to be a string column
                    v = Double.NaN;
                }
                if (numeric) {
                    n++;
                    double d = v - mean;
                    mean += d / n;
                    m2 += d * (v - mean);
                    if (v < min) min = v;
                    if (v > max) max = v;
                    if (v == 0.0) zeros++;
                }
            }
            if (trackStrings) {
                int[] c = counts.get(s);
                if (c == null) counts.put(s, new int[] {1});
                else c[0]++;
            }
        }

        String report() {
            if (numeric && n == 0) {
                return String.format(Locale.ROOT, "%-24s numeric present=%d missing=%d (no values)%s",
                        name, present, missing, bad > 0 ? " bad=" + bad : "");
            }
            if (numeric) {
                double std = n > 0 ? Math.sqrt(m2 / n) : Double.NaN;
                return String.format(Locale.ROOT,
                        "%-24s numeric present=%d missing=%d mean=%.6g std=%.6g min=%.6g max=%.6g zeros=%d%s",
                        name, present, missing, mean, std, min, max, zeros, bad > 0 ? " bad=" + bad : "");
            }
            String top = null;
            int topCount = 0;
            for (Map.Entry<String, int[]> e : counts.entrySet()) {
                if (e.getValue()[0] > topCount) {
                    topCount = e.getValue()[0];
                    top = e.getKey();
                }
            }
            return String.format(Locale.ROOT, "%-24s string  present=%d missing=%d distinct=%d top=\"%s\" (%d)",
                    name, present, missing, counts.size(), top, topCount);
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: HandWrittenFloor FILE.csv");
            System.exit(2);
        }
        long t0 = System.nanoTime();
        long rows = 0;
        Col[] cols;
        try (CsvReader<CsvRecord> reader = CsvReader.builder()
                .ignoreDifferentFieldCount(true)
                .ofCsvRecord(Path.of(args[0]), StandardCharsets.UTF_8)) {
            Iterator<CsvRecord> it = reader.iterator();
            if (!it.hasNext()) throw new IOException("empty file: " + args[0]);
            List<String> header = it.next().getFields();
            cols = new Col[header.size()];
            for (int i = 0; i < cols.length; i++) cols[i] = new Col(header.get(i));

            // Buffer a sample and type the columns from it.
            List<CsvRecord> sample = new ArrayList<>(SAMPLE);
            while (sample.size() < SAMPLE && it.hasNext()) sample.add(it.next());
            for (int i = 0; i < cols.length; i++) {
                boolean anyValue = false, allNumeric = true;
                for (CsvRecord r : sample) {
                    if (i >= r.getFieldCount()) continue;
                    String s = r.getField(i);
                    if (s.isEmpty()) continue;
                    anyValue = true;
                    if (!parses(s)) {
                        allNumeric = false;
                        break;
                    }
                }
                Col c = cols[i];
                c.decided = anyValue;
                c.numeric = allNumeric;
                c.trackStrings = !(anyValue && allNumeric);
            }

            for (CsvRecord r : sample) {
                accept(cols, r);
                rows++;
            }
            sample = null;
            while (it.hasNext()) {
                accept(cols, it.next());
                rows++;
            }
        }
        List<String> lines = new ArrayList<>(cols.length);
        for (Col c : cols) lines.add(c.report()); // includes the top-value scans: part of the work
        double seconds = SparkSupport.secondsSince(t0);

        lines.forEach(System.out::println);
        System.out.println(SparkSupport.result("handwritten-floor", rows, seconds));
    }

    private static void accept(Col[] cols, CsvRecord r) {
        int fields = r.getFieldCount();
        for (int i = 0; i < cols.length; i++) cols[i].accept(i < fields ? r.getField(i) : null);
    }

    private static boolean parses(String s) {
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
