package io.millrace.stage;

import io.millrace.examples.ExamplesManifest;
import io.millrace.transforms.io.InputSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Ingestion: raw data files into a split, fingerprinted examples artifact ({@link IngestJob}), and
 * the data's content fingerprint into the cache key.
 */
public final class IngestStage extends AbstractStage<IngestStage.Settings, IngestStage.Result> {
  public static final String NAME = "ingest";

  /**
   * @param maxBadFraction fail when more records than this are dead letters or lost
   * @param acceptPartialFiles use the readable records of damaged files instead of failing
   */
  public record Settings(RawInput input, double maxBadFraction, boolean acceptPartialFiles) {}

  /**
   * What was ingested.
   *
   * @param span the span read when the input names one, else null
   * @param dataFingerprint the raw data's content fingerprint
   * @param splits the number of examples of each split, by split
   */
  public record Result(
      StageArtifact.Examples examples,
      String dataFingerprint,
      Long span,
      Map<String, Long> splits,
      long records,
      long deadLetters,
      long recordsLost)
      implements StageResult {
    @Override
    public Map<String, StageArtifact> outputs() {
      return Map.of("examples", examples);
    }

    @Override
    public Map<String, String> properties() {
      Map<String, String> properties = new LinkedHashMap<>();
      splits.forEach((split, n) -> properties.put("examples." + split, Long.toString(n)));
      properties.put("records", Long.toString(records));
      properties.put("dead_letters", Long.toString(deadLetters));
      properties.put("records_lost", Long.toString(recordsLost));
      return properties;
    }

    @Override
    public Map<String, String> outputProperties(String output) {
      Map<String, String> properties = new LinkedHashMap<>();
      properties.put("data_fingerprint", dataFingerprint);
      if (span != null) {
        properties.put("span", span.toString());
      }
      properties.putAll(properties());
      return properties;
    }

    @Override
    public String summary() {
      return String.format("%,d records", records);
    }
  }

  private final InputSpec spec;
  private InputSpec.Resolved resolved;

  public IngestStage(Settings settings) {
    super(NAME, settings, Result.class);
    this.spec = settings().input().spec();
  }

  /** The data's content: what the examples are made of. */
  @Override
  public List<String> fingerprints() throws IOException {
    return List.of(resolved().fingerprint());
  }

  @Override
  public List<Path> reads() throws IOException {
    return settings().input().files();
  }

  @Override
  public Result run(StageContext context) throws IOException {
    ExamplesManifest manifest =
        IngestJob.run(
            IngestJob.Config.of(spec, context.directory())
                .withOverwrite(context.overwrite())
                .withMaxBadFraction(settings().maxBadFraction())
                .withAcceptPartialFiles(settings().acceptPartialFiles()),
            context.beamOptions(NAME),
            context.log());
    Map<String, Long> splits = new LinkedHashMap<>();
    manifest.splits().forEach(split -> splits.put(split.name(), split.count()));
    return new Result(
        new StageArtifact.Examples(context.directory()),
        manifest.input().fingerprint(),
        span(manifest),
        splits,
        manifest.recordsIn(),
        manifest.deadLetterCount(),
        manifest.recordsLost());
  }

  /** The input matched and fingerprinted once, for the key. */
  private InputSpec.Resolved resolved() throws IOException {
    if (resolved == null) {
      resolved = spec.resolve("all");
    }
    return resolved;
  }

  /** The one span the examples come from, or null when they come from none or several. */
  static Long span(ExamplesManifest manifest) {
    Set<Long> spans = new LinkedHashSet<>();
    manifest.input().groups().forEach(group -> spans.add(group.span()));
    return spans.size() == 1 ? spans.iterator().next() : null;
  }
}
