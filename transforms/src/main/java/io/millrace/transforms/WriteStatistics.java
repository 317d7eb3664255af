package io.millrace.transforms;

import io.millrace.artifact.PathNames;
import io.millrace.artifact.StoragePaths;
import io.millrace.stats.StatisticsFiles;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Writes each split's statistics as {@code <directory>/<split>/stats.pb} and {@code stats.json}
 * ({@link StatisticsFiles}), the files of a statistics artifact. A retried bundle rewrites the same
 * files, each atomically.
 *
 * <pre>{@code
 * statisticsPerSplit.apply(WriteStatistics.to(output));
 * }</pre>
 */
public final class WriteStatistics
    extends PTransform<PCollection<KV<String, DatasetFeatureStatisticsList>>, PCollection<String>> {
  private static final long serialVersionUID = 1L;
  private final String directory;

  private WriteStatistics(String directory) {
    this.directory = directory;
  }

  public static WriteStatistics to(Path directory) {
    return new WriteStatistics(directory.toString());
  }

  /** Outputs the names of the splits written. */
  @Override
  public PCollection<String> expand(PCollection<KV<String, DatasetFeatureStatisticsList>> stats) {
    return stats.apply("WriteStatisticsFiles", ParDo.of(new WriteFn(directory)));
  }

  private static final class WriteFn
      extends DoFn<KV<String, DatasetFeatureStatisticsList>, String> {
    private static final long serialVersionUID = 1L;
    private final String directory;

    WriteFn(String directory) {
      this.directory = directory;
    }

    @ProcessElement
    public void process(
        @Element KV<String, DatasetFeatureStatisticsList> split, OutputReceiver<String> written)
        throws IOException {
      PathNames.requireSegment("split name", split.getKey());
      StatisticsFiles.write(StoragePaths.of(directory).resolve(split.getKey()), split.getValue());
      written.output(split.getKey());
    }
  }
}
