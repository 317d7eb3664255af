package io.millrace.model;

import io.millrace.artifact.StoragePaths;
import io.millrace.metadata.MetadataStore;
import io.millrace.transforms.io.Storage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * A push in its own JVM, for {@link ConcurrentPushTest}: prints "ready", waits for a line on
 * standard input (so that every child pushes at the same moment), pushes and prints the version.
 *
 * <p>Arguments: registry, model artifact, evaluation artifact, model name, metadata store file.
 */
public final class PushMain {
  private PushMain() {}

  public static void main(String[] args) throws Exception {
    System.out.println("ready");
    System.out.flush();
    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    // The registry may be s3://...: configured by the AWS variables, as the CLI is (after "ready":
    // Beam's first use logs to the output the parent reads).
    Storage.register(PipelineOptionsFactory.create());
    ModelRegistry registry = new ModelRegistry(StoragePaths.of(args[0]));
    try (MetadataStore store = MetadataStore.openSqlite(Path.of(args[4]))) {
      int version = registry.push(Path.of(args[1]), Path.of(args[2]), args[3], store);
      System.out.println("version " + version);
    }
  }
}
