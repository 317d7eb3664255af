import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Generates a synthetic, Chicago-taxi-like CSV for the ingestion benchmark.
 *
 * <p>Same header and column order as {@code shared/data/taxi/tutorial/train.csv}. Categorical,
 * location and calendar columns are sampled from the real frequency tables of train.csv (read at
 * start-up when found; otherwise from a compact table embedded below: the top values of the same
 * file). Numeric trip columns (miles, fare, tips) come from a small model fitted to train.csv by
 * hand; see bench/README.md for the per-column description.
 *
 * <p>Deterministic: one {@link SplittableRandom} seeded with {@code --seed}, only StrictMath in
 * floating point, integer-based number formatting; so a seed and a frequency source always give
 * the same bytes. The SHA-256 of the output is printed at the end.
 *
 * <pre>
 * java bench/GenerateTaxiCsv.java --rows 1000000 --seed 42 --out bench/data/taxi-1m.csv
 *   [--real PATH|embedded]   frequency source; default: ../shared/data/taxi/tutorial/train.csv
 *                            relative to the repository root (found upwards from the working
 *                            directory, then from the output's directory), else the embedded table
 * </pre>
 *
 * <p>JDK 17 single-file source launch, no dependencies.
 */
public class GenerateTaxiCsv {

    static final String HEADER = "pickup_community_area,fare,trip_start_month,trip_start_hour,"
            + "trip_start_day,trip_start_timestamp,pickup_latitude,pickup_longitude,dropoff_latitude,"
            + "dropoff_longitude,trip_miles,pickup_census_tract,dropoff_census_tract,payment_type,"
            + "company,trip_seconds,dropoff_community_area,tips";

    static final String TRAIN_CSV_FROM_REPO = "../shared/data/taxi/tutorial/train.csv";

    // ---- numeric model, fitted by hand to train.csv (10,000 rows) ----
    /** P(trip_miles == 0.0 | trip_seconds == 0): 295 of 325. */
    static final double P_MILES0_GIVEN_SEC0 = 0.91;
    /** P(trip_miles == 0.0 | trip_seconds > 0): 2,446 of 9,675 (a data-quality artefact of the source). */
    static final double P_MILES0 = 0.253;
    /** Speed in mph: lognormal (real trips with miles and seconds: median 11.8, p10/p90 1.3/27; a lower median here matches the real trip_miles quantiles). Miles capped at the real maximum, about 200. */
    static final double SPEED_MEDIAN_MPH = 10.0, SPEED_SIGMA = 0.9, SPEED_MAX_MPH = 45, MAX_MILES = 200;
    /** Fares: the 2013-2016 meter (3.25 flag fall, 2.25 a mile, a time part capped at an hour), lognormal noise, 5-cent steps. */
    static final int FLAG_CENTS = 325;
    static final double CENTS_PER_MILE = 225, CENTS_PER_SECOND = 0.25;
    static final double CENTS_PER_SECOND_NO_MILES = 0.95, FARE_NOISE_SIGMA = 0.25, MAX_METERED_SECONDS = 3600;
    /** P(fare == 0.0 | trip_seconds == 0 and trip_miles == 0). */
    static final double P_FARE0_GIVEN_NO_TRIP = 0.05;
    /** P(tips > 0 | payment_type). Credit Card 3,158/3,325, Unknown 6/22, Cash 4/6,590. */
    static final Map<String, Double> P_TIPPED = Map.of("Credit Card", 0.95, "Unknown", 0.27, "Cash", 0.0006);
    /** Share of positive tips that are whole dollars: 2,019 of 3,158 for Credit Card. */
    static final double P_WHOLE_DOLLAR_TIP = 0.64;
    /** Conditional dropoff: with probability n/(n+K) use the pickup area's own dropoff table. */
    static final double DROPOFF_SHRINK_K = 20;

    public static void main(String[] args) throws Exception {
        long rows = 1_000_000;
        long seed = 42;
        String out = null;
        String real = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = (i + 1 < args.length) ? args[i + 1] : null;
            switch (a) {
                case "--rows": rows = Long.parseLong(need(a, v).replace("_", "")); i++; break;
                case "--seed": seed = Long.parseLong(need(a, v)); i++; break;
                case "--out": out = need(a, v); i++; break;
                case "--real": real = need(a, v); i++; break;
                case "-h": case "--help":
                    System.out.println("usage: java bench/GenerateTaxiCsv.java --rows N --seed S --out FILE [--real PATH|embedded]");
                    return;
                default: throw new IllegalArgumentException("unknown argument: " + a + " (try --help)");
            }
        }
        if (rows < 0) throw new IllegalArgumentException("--rows must be >= 0");
        if (out == null) out = "bench/data/taxi-" + label(rows) + ".csv";

        Model model = Model.load(real, Paths.get(out).toAbsolutePath());
        System.err.println("frequencies from: " + model.source);

        Path outPath = Paths.get(out).toAbsolutePath();
        if (outPath.getParent() != null) Files.createDirectories(outPath.getParent());
        Path tmp = outPath.resolveSibling(outPath.getFileName() + ".tmp");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long t0 = System.nanoTime();
        try (OutputStream os = new DigestOutputStream(Files.newOutputStream(tmp), sha);
             Writer w = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8), 1 << 20)) {
            new RowGenerator(model, new SplittableRandom(seed)).write(w, rows);
        }
        Files.move(tmp, outPath, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        double secs = (System.nanoTime() - t0) / 1e9;
        long bytes = Files.size(outPath);
        System.out.printf("wrote %,d rows, %,d bytes to %s in %.2f s (%.1f MB/s)%n",
                rows, bytes, outPath, secs, bytes / 1e6 / secs);
        System.out.println("sha256 " + hex(sha.digest()) + "  " + outPath.getFileName());
    }

    static String need(String flag, String v) {
        if (v == null) throw new IllegalArgumentException(flag + " needs a value");
        return v;
    }

    static String label(long rows) {
        if (rows > 0 && rows % 1_000_000 == 0) return rows / 1_000_000 + "m";
        if (rows > 0 && rows % 1_000 == 0) return rows / 1_000 + "k";
        return Long.toString(rows);
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length * 2);
        for (byte x : b) sb.append(Character.forDigit((x >> 4) & 15, 16)).append(Character.forDigit(x & 15, 16));
        return sb.toString();
    }

    // =====================================================================================
    /** Generates and writes rows; all randomness from one SplittableRandom, in a fixed order. */
    static final class RowGenerator {
        final Model m;
        final SplittableRandom rnd;
        final StringBuilder sb = new StringBuilder(256);

        RowGenerator(Model m, SplittableRandom rnd) { this.m = m; this.rnd = rnd; }

        void write(Writer w, long rows) throws IOException {
            w.write(HEADER);
            w.write('\n');
            for (long i = 0; i < rows; i++) {
                sb.setLength(0);
                row(sb);
                sb.append('\n');
                w.append(sb);
            }
        }

        void row(StringBuilder sb) {
            // time: a day from the month x weekday weights, an hour, a quarter hour (timestamps in the
            // source are local Chicago times stored as UTC epoch seconds, on 15-minute boundaries)
            int d = m.days.pick(rnd);
            int hour = m.hours[m.hour.pick(rnd)];
            long ts = m.dayEpochSeconds[d] + hour * 3600L + rnd.nextInt(4) * 900L;

            String[] pickup = m.pickups[m.pickup.pick(rnd)];
            String[] dropoff = m.dropoff(pickup[0], rnd);

            int seconds = m.seconds[m.second.pick(rnd)];
            int tenths = miles(seconds);
            long fare = fare(seconds, tenths);
            String payment = m.payments[m.payment.pick(rnd)];
            String company = m.companies[m.company.pick(rnd)];
            long tips = tips(payment, fare);

            sb.append(pickup[0]).append(',');                 // pickup_community_area
            cents(sb, fare).append(',');                      // fare
            sb.append(m.dayMonth[d]).append(',');             // trip_start_month
            sb.append(hour).append(',');                      // trip_start_hour
            sb.append(m.dayOfWeek[d]).append(',');            // trip_start_day (1 = Sunday)
            sb.append(ts).append(',');                        // trip_start_timestamp
            sb.append(pickup[1]).append(',');                 // pickup_latitude
            sb.append(pickup[2]).append(',');                 // pickup_longitude
            sb.append(dropoff[0]).append(',');                // dropoff_latitude
            sb.append(dropoff[1]).append(',');                // dropoff_longitude
            sb.append(tenths / 10).append('.').append(tenths % 10).append(','); // trip_miles
            sb.append(',');                                   // pickup_census_tract: always empty in the source
            sb.append(dropoff[2]).append(',');                // dropoff_census_tract
            sb.append(payment).append(',');                   // payment_type
            sb.append(company).append(',');                   // company (empty for about a third)
            sb.append(seconds).append(',');                   // trip_seconds
            sb.append(dropoff[3]).append(',');                // dropoff_community_area
            cents(sb, tips);                                  // tips
        }

        /** trip_miles in tenths of a mile. */
        int miles(int seconds) {
            if (seconds == 0) {
                return rnd.nextDouble() < P_MILES0_GIVEN_SEC0 ? 0 : 1 + rnd.nextInt(3);
            }
            if (rnd.nextDouble() < P_MILES0) return 0;
            double mph = Math.min(SPEED_MAX_MPH, SPEED_MEDIAN_MPH * StrictMath.exp(SPEED_SIGMA * gaussian()));
            return (int) Math.round(Math.min(MAX_MILES, seconds / 3600.0 * mph) * 10);
        }

        /** fare in cents, a multiple of 5. */
        long fare(int seconds, int tenths) {
            if (seconds == 0 && tenths == 0) {
                return rnd.nextDouble() < P_FARE0_GIVEN_NO_TRIP ? 0 : FLAG_CENTS;
            }
            double meter = tenths > 0
                    ? FLAG_CENTS + CENTS_PER_MILE * tenths / 10.0 + CENTS_PER_SECOND * Math.min(seconds, MAX_METERED_SECONDS)
                    : FLAG_CENTS + CENTS_PER_SECOND_NO_MILES * Math.min(seconds, MAX_METERED_SECONDS);
            double noisy = meter * StrictMath.exp(FARE_NOISE_SIGMA * gaussian());
            return Math.max(FLAG_CENTS, 5 * Math.round(noisy / 5));
        }

        /** tips in cents; tips follow payment_type (cash tips are not recorded). */
        long tips(String payment, long fare) {
            Double p = P_TIPPED.get(payment);
            if (p == null || fare == 0 || rnd.nextDouble() >= p) return 0;
            double u = rnd.nextDouble();
            double pct = 0.15 + 0.35 * u * u;                 // median ~24%, p90 ~43% (real: 23%, 42%)
            if (rnd.nextDouble() < P_WHOLE_DOLLAR_TIP) {
                return 100 * Math.max(1, Math.round(fare * pct / 100));
            }
            return Math.max(1, Math.round(fare * pct));
        }

        /** Standard normal by Box-Muller on StrictMath (platform-independent bits). */
        double gaussian() {
            double u1 = 1.0 - rnd.nextDouble();               // (0, 1]
            double u2 = rnd.nextDouble();
            return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2 * StrictMath.PI * u2);
        }

        /** Appends a cents amount like Python's float repr in the source: 12.85, 12.5, 12.0, 0.0. */
        static StringBuilder cents(StringBuilder sb, long c) {
            sb.append(c / 100).append('.');
            int r = (int) (c % 100);
            if (r == 0) sb.append('0');
            else if (r % 10 == 0) sb.append(r / 10);
            else { if (r < 10) sb.append('0'); sb.append(r); }
            return sb;
        }
    }

    // =====================================================================================
    /** Weighted choice of an index by cumulative weights and binary search. */
    static final class Weighted {
        final double[] cum;
        final double total;

        Weighted(double[] weights) {
            cum = new double[weights.length];
            double s = 0;
            for (int i = 0; i < weights.length; i++) { s += weights[i]; cum[i] = s; }
            total = s;
            if (!(total > 0)) throw new IllegalStateException("empty frequency table");
        }

        int pick(SplittableRandom rnd) {
            double x = rnd.nextDouble() * total;
            int lo = 0, hi = cum.length - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (cum[mid] > x) hi = mid; else lo = mid + 1;
            }
            return lo;
        }
    }

    /** Frequency tables, from train.csv or from the embedded table. */
    static final class Model {
        String source;
        Weighted days, hour, pickup, dropoff, second, payment, company;
        long[] dayEpochSeconds;
        int[] dayMonth, dayOfWeek, hours, seconds;
        String[][] pickups, dropoffs;
        String[] payments, companies;
        /** pickup area -> [probability of using the conditional table, weights over dropoffs]. */
        final Map<String, Object[]> dropoffByPickupArea = new HashMap<>();

        String[] dropoff(String pickupArea, SplittableRandom rnd) {
            Object[] c = dropoffByPickupArea.get(pickupArea);
            if (c != null && rnd.nextDouble() < (Double) c[0]) {
                return dropoffs[((Weighted) c[1]).pick(rnd)];
            }
            return dropoffs[dropoff.pick(rnd)];
        }

        /** tag -> (key -> count); TreeMaps so the table order never depends on hashing. */
        final Map<String, TreeMap<String, Long>> tables = new HashMap<>();
        /** pickup area -> (dropoff key -> count); only from train.csv. */
        final TreeMap<String, TreeMap<String, Long>> pairs = new TreeMap<>();

        void count(String tag, String key, long n) {
            tables.computeIfAbsent(tag, t -> new TreeMap<>()).merge(key, n, Long::sum);
        }

        static Model load(String real, Path out) throws IOException {
            Model m = new Model();
            Path train = null;
            if (real == null) {
                train = findTrainCsv(Paths.get("").toAbsolutePath());
                if (train == null) train = findTrainCsv(out.getParent());
            } else if (!real.equals("embedded")) {
                train = Paths.get(real);
                if (!Files.isRegularFile(train)) throw new IOException("--real: no such file: " + real);
            }
            if (train != null) m.readTrainCsv(train);
            else m.readEmbedded();
            m.build();
            return m;
        }

        /** ../shared/data/taxi/tutorial/train.csv beside the repository root, found from dir upwards. */
        static Path findTrainCsv(Path dir) {
            for (Path d = dir; d != null; d = d.getParent()) {
                if (Files.isRegularFile(d.resolve("bench/GenerateTaxiCsv.java"))) {
                    Path p = d.resolve(TRAIN_CSV_FROM_REPO).normalize();
                    return Files.isRegularFile(p) ? p : null;
                }
            }
            return null;
        }

        void readTrainCsv(Path p) throws IOException {
            long n = 0;
            try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
                String header = r.readLine();
                if (!HEADER.equals(header)) throw new IOException(p + ": unexpected header: " + header);
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.isEmpty()) continue;
                    String[] f = line.split(",", -1);
                    if (f.length != 18) throw new IOException(p + ": expected 18 fields: " + line);
                    long ts = Long.parseLong(f[5]);
                    count("T", f[13], 1);
                    count("C", f[14], 1);
                    count("H", f[3], 1);
                    count("W", f[4], 1);
                    count("M", YearMonth.from(LocalDate.ofEpochDay(Math.floorDiv(ts, 86400))).toString(), 1);
                    count("S", f[15], 1);
                    count("P", f[0] + "|" + f[6] + "|" + f[7], 1);
                    String dk = f[8] + "|" + f[9] + "|" + f[12] + "|" + f[16];
                    count("D", dk, 1);
                    pairs.computeIfAbsent(f[0], k -> new TreeMap<>()).merge(dk, 1L, Long::sum);
                    n++;
                }
            }
            source = p + " (" + n + " rows)";
        }

        void readEmbedded() {
            for (String line : EMBEDDED.split("\n")) {
                if (line.isBlank()) continue;
                String[] f = line.split("\\|", -1);
                count(f[0], String.join("|", Arrays.copyOfRange(f, 2, f.length)), Long.parseLong(f[1]));
            }
            source = "embedded table (top values of train.csv; no pickup/dropoff pairing)";
        }

        void build() {
            TreeMap<String, Long> t;
            t = table("T"); payments = keys(t); payment = weights(t);
            t = table("C"); companies = keys(t); company = weights(t);
            t = table("H"); hours = ints(t); hour = weights(t);
            t = table("S"); seconds = ints(t); second = weights(t);
            t = table("P"); pickups = split(t, 3); pickup = weights(t);
            t = table("D"); dropoffs = split(t, 4); dropoff = weights(t);
            Map<String, Integer> dIndex = new HashMap<>();
            String[] dKeys = keys(t);
            for (int i = 0; i < dKeys.length; i++) dIndex.put(dKeys[i], i);
            for (Map.Entry<String, TreeMap<String, Long>> e : pairs.entrySet()) {
                double[] w = new double[dKeys.length];
                long n = 0;
                for (Map.Entry<String, Long> d : e.getValue().entrySet()) {
                    w[dIndex.get(d.getKey())] = d.getValue();
                    n += d.getValue();
                }
                dropoffByPickupArea.put(e.getKey(), new Object[] {n / (n + DROPOFF_SHRINK_K), new Weighted(w)});
            }

            // days: every day of the months seen, weighted by month frequency / days in the month,
            // times the weekday frequency (trip_start_day: 1 = Sunday ... 7 = Saturday)
            TreeMap<String, Long> months = table("M");
            TreeMap<String, Long> weekdays = table("W");
            double[] dow = new double[8];
            for (Map.Entry<String, Long> e : weekdays.entrySet()) dow[Integer.parseInt(e.getKey())] = e.getValue();
            LocalDate first = YearMonth.parse(months.firstKey()).atDay(1);
            LocalDate end = YearMonth.parse(months.lastKey()).plusMonths(1).atDay(1);
            int nDays = (int) (end.toEpochDay() - first.toEpochDay());
            double[] dw = new double[nDays];
            dayEpochSeconds = new long[nDays];
            dayMonth = new int[nDays];
            dayOfWeek = new int[nDays];
            for (int i = 0; i < nDays; i++) {
                LocalDate day = first.plusDays(i);
                YearMonth ym = YearMonth.from(day);
                int wd = day.getDayOfWeek().getValue() % 7 + 1;
                dayEpochSeconds[i] = day.toEpochDay() * 86400L;
                dayMonth[i] = day.getMonthValue();
                dayOfWeek[i] = wd;
                dw[i] = months.getOrDefault(ym.toString(), 0L) / (double) ym.lengthOfMonth() * dow[wd];
            }
            days = new Weighted(dw);
        }

        TreeMap<String, Long> table(String tag) {
            TreeMap<String, Long> t = tables.get(tag);
            if (t == null || t.isEmpty()) throw new IllegalStateException("no frequencies for " + tag);
            return t;
        }

        static String[] keys(TreeMap<String, Long> t) { return t.keySet().toArray(new String[0]); }

        static Weighted weights(TreeMap<String, Long> t) {
            return new Weighted(t.values().stream().mapToDouble(Long::doubleValue).toArray());
        }

        static int[] ints(TreeMap<String, Long> t) {
            return t.keySet().stream().mapToInt(Integer::parseInt).toArray();
        }

        static String[][] split(TreeMap<String, Long> t, int n) {
            List<String[]> l = new ArrayList<>();
            for (String k : t.keySet()) {
                String[] f = k.split("\\|", -1);
                if (f.length != n) throw new IllegalStateException("bad tuple: " + k);
                l.add(f);
            }
            return l.toArray(new String[0][]);
        }
    }

    /**
     * Fallback frequencies when train.csv is not found: TAG|count|value..., the top values of
     * shared/data/taxi/tutorial/train.csv. T payment_type, C company (empty = no company),
     * H trip_start_hour, W trip_start_day, M month of trip_start_timestamp, S trip_seconds (top 30),
     * P pickup (community area, latitude, longitude; top 25),
     * D dropoff (latitude, longitude, census tract, community area; top 25).
     */
    static final String EMBEDDED = """
T|6590|Cash
T|3325|Credit Card
T|60|No Charge
T|22|Unknown
T|2|Pcard
T|1|Dispute
C|3442|
C|3429|Taxi Affiliation Services
C|1087|Dispatch Taxi Affiliation
C|743|Blue Ribbon Taxi Association Inc.
C|598|Choice Taxi Association
C|372|Northwest Management LLC
C|153|KOAM Taxi Association
C|80|Top Cab Affiliation
C|18|Chicago Elite Cab Corp. (Chicago Carriag
C|16|Chicago Medallion Leasing INC
C|11|Chicago Medallion Management
C|6|Chicago Elite Cab Corp.
C|4|4197 - 41842 Royal Star
C|3|0118 - 42111 Godfrey S.Awir
C|3|3623 - 72222 Arrington Enterprises
C|2|0694 - 59280 Chinesco Trans Inc
C|2|1085 - 72312 N and W Cab Co
C|2|5006 - 39261 Salifu Bawa
C|1|2733 - 74600 Benny Jona
C|1|2809 - 95474 C & D Cab Co Inc.
C|1|3011 - 66308 JBL Cab Inc.
C|1|3152 - 97284 Crystal Abernathy
C|1|3201 - C&D Cab Co Inc
C|1|3201 - CID Cab Co Inc
C|1|3253 - 91138 Gaither Cab Co.
C|1|3385 - 23210 Eman Cab
C|1|3897 - Ilie Malec
C|1|4053 - Adwar H. Nikola
C|1|4615 - 83503 Tyrone Henderson
C|1|4615 - Tyrone Henderson
C|1|4623 - Jay Kim
C|1|5006 - Salifu Bawa
C|1|5074 - 54002 Ahzmi Inc
C|1|5074 - Ahzmi Inc
C|1|5129 - 87128
C|1|5129 - 98755 Mengisti Taxi
C|1|5129 - Mengisti Taxi
C|1|5724 - KYVI Cab Inc
C|1|585 - Valley Cab Co
C|1|5864 - 73614 Thomas Owusu
C|1|5864 - Thomas Owusu
C|1|5874 - 73628 Sergey Cab Corp.
C|1|5997 - 65283 AW Services Inc.
C|1|5997 - AW Services Inc.
C|1|6488 - 83287 Zuha Taxi
C|1|6743 - Luhak Corp
C|1|C & D Cab Co Inc
H|670|19
H|636|18
H|629|20
H|566|21
H|559|22
H|540|17
H|513|16
H|510|12
H|503|14
H|500|15
H|473|23
H|459|13
H|458|10
H|452|9
H|414|0
H|409|11
H|355|1
H|336|8
H|268|2
H|202|7
H|199|3
H|136|4
H|120|6
H|93|5
W|1667|6
W|1641|7
W|1467|5
W|1340|4
W|1328|3
W|1280|2
W|1277|1
M|333|2014-08
M|319|2014-03
M|309|2013-11
M|306|2014-04
M|302|2013-10
M|300|2013-12
M|295|2014-05
M|291|2014-06
M|286|2015-10
M|279|2014-10
M|278|2014-07
M|278|2014-12
M|272|2015-05
M|269|2014-11
M|269|2015-06
M|268|2015-04
M|266|2015-08
M|263|2013-07
M|263|2014-02
M|259|2015-01
M|257|2014-09
M|256|2013-09
M|253|2015-03
M|251|2013-04
M|250|2013-05
M|250|2015-02
M|247|2015-09
M|243|2015-12
M|241|2013-06
M|241|2015-07
M|240|2014-01
M|236|2013-08
M|212|2013-03
M|209|2015-11
M|193|2013-02
M|167|2013-01
M|57|2016-03
M|56|2016-07
M|50|2016-08
M|49|2016-01
M|49|2016-10
M|48|2016-02
M|45|2016-12
M|43|2016-05
M|41|2016-04
M|40|2016-06
M|37|2016-11
M|34|2016-09
S|720|300
S|720|360
S|700|480
S|680|420
S|635|540
S|591|600
S|585|240
S|467|660
S|424|720
S|393|180
S|352|780
S|325|0
S|322|840
S|270|960
S|259|900
S|196|120
S|192|1020
S|169|1080
S|143|1140
S|131|1320
S|125|1260
S|120|1200
S|109|1440
S|109|60
S|99|1380
S|85|1500
S|77|1560
S|75|1740
S|64|1680
S|56|1800
P|1007|32|41.880994471|-87.632746489
P|581|32|41.884987192|-87.620992913
P|494|8|41.899602111|-87.633308037
P|437|8|41.892042136|-87.63186395
P|435|8|41.892507781|-87.626214906
P|424|76|41.97907082|-87.903039661
P|385|6|41.944226601|-87.655998182
P|318|28|41.879255084|-87.642648998
P|290|8|41.890922026|-87.618868355
P|263|8|41.89321636|-87.63784421
P|243|32|41.878865584|-87.625192142
P|233|8|41.899155613|-87.626210532
P|228|24|41.901206994|-87.676355989
P|223|32|41.877406123|-87.621971652
P|219|28|41.885300022|-87.642808466
P|204|7|41.922686284|-87.649488729
P|194|8|41.892072635|-87.628874157
P|180|8|41.898331794|-87.620762865
P|162|8|41.89503345|-87.619710672
P|161|76|41.980264315|-87.913624596
P|147|28|41.874005383|-87.66351755
P|136|3|41.96581197|-87.655878786
P|129|33|41.859349715|-87.617358006
P|115|32|41.870607372|-87.622172937
P|111|77|41.9867118|-87.663416405
D|854|41.880994471|-87.632746489|17031839100|32
D|464|41.884987192|-87.620992913|17031320100|32
D|371|41.892042136|-87.63186395|17031081700|8
D|363|41.892507781|-87.626214906|17031081500|8
D|333|41.944226601|-87.655998182||6
D|300||||
D|297|41.899602111|-87.633308037||8
D|294|41.879255084|-87.642648998|17031281900|28
D|267|41.89321636|-87.63784421|17031081800|8
D|259|41.890922026|-87.618868355|17031081403|8
D|258|41.97907082|-87.903039661|17031980000|76
D|246|41.899155613|-87.626210532|17031081201|8
D|230|41.901206994|-87.676355989||24
D|207|41.922686284|-87.649488729||7
D|191|41.89503345|-87.619710672|17031081401|8
D|190|41.877406123|-87.621971652|17031320400|32
D|190|41.885300022|-87.642808466|17031280100|28
D|172|41.892072635|-87.628874157|17031081600|8
D|170|41.859349715|-87.617358006|17031330100|33
D|161|41.874005383|-87.66351755||28
D|143|41.898331794|-87.620762865|17031081300|8
D|139|41.88528132|-87.6572332|17031833000|28
D|129|41.92276062|-87.699155343||22
D|126|41.878865584|-87.625192142||32
D|123|41.96581197|-87.655878786||3
            """;
}
