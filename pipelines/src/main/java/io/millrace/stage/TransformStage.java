package io.millrace.stage;

import io.millrace.examples.ExamplesManifest;
import io.millrace.transform.TransformSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The preprocessing: fitted on one split of an examples artifact, applied to every split, with
 * statistics before and after ({@link TransformJob}):
 *
 * <pre>
 * DIR/transform          the transform artifact, what serving loads
 * DIR/examples           every split transformed: an examples artifact of model inputs
 * DIR/statistics/pre     statistics before and after the transform
 * DIR/statistics/post
 * </pre>
 */
public final class TransformStage
    extends AbstractStage<TransformStage.Settings, TransformStage.Result> {
  public static final String NAME = "transform";

  /**
   * @param spec the transform definition (its content is in the key, not its file)
   * @param analyzeSplit the split the analyzers are fitted on
   */
  public record Settings(TransformSpec spec, String analyzeSplit) {}

  /**
   * What was written.
   *
   * @param splits the number of transformed examples of each split
   */
  public record Result(
      StageArtifact.Transform transform,
      StageArtifact.Examples transformed,
      String transformFingerprint,
      Map<String, Long> splits)
      implements StageResult {
    @Override
    public Map<String, StageArtifact> outputs() {
      Map<String, StageArtifact> outputs = new LinkedHashMap<>();
      outputs.put("transform", transform);
      outputs.put("transformed", transformed);
      return outputs;
    }

    @Override
    public Map<String, String> properties() {
      Map<String, String> properties = new LinkedHashMap<>(counts());
      properties.put("transform_fingerprint", transformFingerprint);
      return properties;
    }

    @Override
    public Map<String, String> outputProperties(String output) {
      return output.equals("transform")
          ? Map.of("transform_fingerprint", transformFingerprint)
          : counts();
    }

    private Map<String, String> counts() {
      Map<String, String> counts = new LinkedHashMap<>();
      splits.forEach((split, n) -> counts.put("examples." + split, Long.toString(n)));
      return counts;
    }

    @Override
    public String summary() {
      return String.format("%,d examples", splits.values().stream().mapToLong(n -> n).sum());
    }
  }

  private final StageArtifact.Examples examples;

  public TransformStage(StageArtifact.Examples examples, Settings settings) {
    super(NAME, settings, Result.class);
    this.examples = examples;
  }

  @Override
  public Map<String, StageArtifact> inputs() {
    return Map.of("examples", examples);
  }

  @Override
  public List<Path> targets(Path directory) {
    return List.of(
        directory.resolve("transform"),
        directory.resolve("examples"),
        directory.resolve("statistics").resolve("pre"),
        directory.resolve("statistics").resolve("post"));
  }

  @Override
  public Result run(StageContext context) throws IOException {
    Path dir = context.directory();
    TransformJob.Result result =
        TransformJob.runWithStatistics(
            examples.path(),
            settings().analyzeSplit(),
            settings().spec(),
            dir.resolve("transform"),
            dir.resolve("examples"),
            dir.resolve("statistics"),
            context.overwrite(),
            context.beamOptions(NAME),
            context.log());
    Map<String, Long> splits = new LinkedHashMap<>();
    for (ExamplesManifest.Split split : result.transformed().splits()) {
      splits.put(split.name(), split.count());
    }
    return new Result(
        new StageArtifact.Transform(dir.resolve("transform")),
        new StageArtifact.Examples(dir.resolve("examples")),
        result.fitted().fingerprint(),
        splits);
  }
}
