package io.millrace.transforms;

import io.millrace.artifact.StoragePaths;
import io.millrace.transform.FittedTransform;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/**
 * Writes the fitted transform (a singleton, as {@link AnalyzeTransform} yields it) as a transform
 * artifact, staged and renamed into place ({@link FittedTransform#write}). An existing directory is
 * an error unless {@link #withOverwrite} allows replacing it, and then only if it is a transform
 * artifact. Outputs the directory written.
 */
public final class WriteFittedTransform
    extends PTransform<PCollection<FittedTransform>, PCollection<String>> {
  private static final long serialVersionUID = 1L;
  private final String directory;
  private final boolean overwrite;

  private WriteFittedTransform(String directory, boolean overwrite) {
    this.directory = directory;
    this.overwrite = overwrite;
  }

  public static WriteFittedTransform to(Path directory) {
    return new WriteFittedTransform(directory.toString(), false);
  }

  /** Whether a transform artifact already in the directory may be replaced. */
  public WriteFittedTransform withOverwrite(boolean overwrite) {
    return new WriteFittedTransform(directory, overwrite);
  }

  @Override
  public PCollection<String> expand(PCollection<FittedTransform> fitted) {
    return fitted.apply("WriteTransformArtifact", ParDo.of(new WriteFn(directory, overwrite)));
  }

  private static final class WriteFn extends DoFn<FittedTransform, String> {
    private static final long serialVersionUID = 1L;
    private final String directory;
    private final boolean overwrite;

    WriteFn(String directory, boolean overwrite) {
      this.directory = directory;
      this.overwrite = overwrite;
    }

    @ProcessElement
    public void process(@Element FittedTransform fitted, OutputReceiver<String> written)
        throws IOException {
      fitted.write(StoragePaths.of(directory), overwrite);
      written.output(directory);
    }
  }
}
