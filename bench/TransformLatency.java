import io.millrace.ingest.DeadLetter;
import io.millrace.ingest.ExampleFormat;
import io.millrace.ingest.ExampleSink;
import io.millrace.ingest.FileDamage;
import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.FormatReader;
import io.millrace.ingest.LocalSourceFile;
import io.millrace.record.Example;
import io.millrace.transform.FeatureTransformer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The serving runtime's per-record latency and throughput: loads a transform artifact, reads up to
 * 200,000 raw records into memory, warms up, then times each FeatureTransformer.apply call
 * (System.nanoTime around one call: p50, p99, p99.9) and a tight loop over all records.
 *
 * <p>java -cp runners/target/millrace.jar bench/TransformLatency.java ARTIFACT RAW.csv
 */
public class TransformLatency {
  public static void main(String[] args) throws Exception {
    FeatureTransformer transformer = FeatureTransformer.load(Path.of(args[0]));
    Path input = Path.of(args[1]);
    FormatReader reader = ExampleFormat.fromFileName(input.toString()).reader(FormatOptions.defaults());
    LocalSourceFile file = new LocalSourceFile(input);
    List<Example> raw = new ArrayList<>();
    reader.read(
        file,
        reader.inferSchema(List.of(file)),
        new ExampleSink() {
          @Override
          public void accept(Example example) {
            if (raw.size() < 200_000) {
              raw.add(example);
            }
          }

          @Override
          public void reject(DeadLetter deadLetter) {}

          @Override
          public void damaged(FileDamage damage) {
            throw new IllegalStateException(damage.toString());
          }
        });
    long sink = 0;
    for (int round = 0; round < 5; round++) {
      for (Example e : raw) {
        sink += transformer.apply(e).schema().size();
      }
    }
    long[] nanos = new long[raw.size()];
    for (int i = 0; i < raw.size(); i++) {
      long t0 = System.nanoTime();
      Example out = transformer.apply(raw.get(i));
      nanos[i] = System.nanoTime() - t0;
      sink += out.schema().size();
    }
    Arrays.sort(nanos);
    long t0 = System.nanoTime();
    for (Example e : raw) {
      sink += transformer.apply(e).schema().size();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        "records=%d outputs=%d p50_us=%.2f p99_us=%.2f p999_us=%.2f throughput_per_s=%.0f (%d)%n",
        raw.size(),
        transformer.outputSchema().size(),
        nanos[nanos.length / 2] / 1e3,
        nanos[(int) (nanos.length * 0.99)] / 1e3,
        nanos[(int) (nanos.length * 0.999)] / 1e3,
        raw.size() / seconds,
        sink % 7);
  }
}
