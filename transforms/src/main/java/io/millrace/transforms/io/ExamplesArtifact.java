package io.millrace.transforms.io;

import io.millrace.artifact.PathNames;
import io.millrace.examples.ExamplesAvro;
import io.millrace.examples.ExamplesManifest;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.avro.file.DataFileStream;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * A committed examples artifact on the local file system, read without a runner: for inspection,
 * tests and single-process tools. Pipelines read the splits with Beam instead.
 */
public final class ExamplesArtifact {
  private final Path directory;
  private final ExamplesManifest manifest;

  private ExamplesArtifact(Path directory, ExamplesManifest manifest) {
    this.directory = directory;
    this.manifest = manifest;
  }

  /**
   * Opens an artifact.
   *
   * @throws IOException when the directory holds no manifest, i.e. it is not a complete artifact
   */
  public static ExamplesArtifact open(Path directory) throws IOException {
    return new ExamplesArtifact(directory, ExamplesManifest.read(directory));
  }

  public Path directory() {
    return directory;
  }

  public ExamplesManifest manifest() {
    return manifest;
  }

  public ExampleSchema schema() {
    return manifest.schema();
  }

  /** The Avro files of a split, in name order. */
  public List<Path> files(String split) throws IOException {
    manifest.split(split);
    List<Path> files = new ArrayList<>();
    Path splitDirectory = PathNames.resolveInside(directory, split, "directory of split " + split);
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(splitDirectory, "*.avro")) {
      dir.forEach(files::add);
    }
    files.sort(null);
    return files;
  }

  /** The Avro files of a split as Beam file metadata, the input of a pipeline that reads them. */
  public List<MatchResult.Metadata> fileMetadata(String split) throws IOException {
    List<MatchResult.Metadata> metadata = new ArrayList<>();
    for (Path file : files(split)) {
      metadata.addAll(FileSystems.match(file.toString()).metadata());
    }
    return metadata;
  }

  /** Passes every example of a split to {@code action}, file by file. */
  public void forEach(String split, Consumer<Example> action) throws IOException {
    ExampleSchema schema = schema();
    for (Path file : files(split)) {
      try (DataFileStream<Example> reader =
          new DataFileStream<>(Files.newInputStream(file), ExamplesAvro.reader(schema))) {
        reader.forEach(action);
      }
    }
  }
}
