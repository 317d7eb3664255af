package io.millrace.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.StoragePaths;
import io.millrace.evaluate.EvaluationConfig;
import io.millrace.metadata.MetadataStore;
import io.millrace.testing.S3Server;
import io.millrace.testing.StorageServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The round trips of a push with the model, the evaluation and the registry on S3 (S3Proxy): every
 * file is read once to check it and once more, from the registry's copy, to verify the copy (the
 * copies themselves are server-side). Measured with 10 files: 30 GETs and 119 LISTs before the
 * model was read once and the copies into fresh staging stopped asking whether their targets exist;
 * 21 and 88 after. The 72 HEADs were Beam's (its copy and its match of one object ask for one): a
 * copy is now one request and a look at an object one listing, 190 requests in all instead of 244.
 */
@ExtendWith(StorageServers.class)
class S3PushRequestsTest {
  @TempDir Path dir;

  @Test
  void aPushReadsEachFileOnceAndItsCopyOnce(S3Server s3) throws Exception {
    s3.createBucket("models");
    s3.register();
    ModelArtifact local = TaxiModels.writeGood(dir.resolve("model"), "big-tipper");
    try (MetadataStore store = MetadataStore.openSqlite(dir.resolve("metadata.sqlite"))) {
      Path localEvaluation =
          ForgedBlessingTest.evaluate(
              local, EvaluationConfig.defaults(), dir.resolve("eval"), store);
      // The evaluation's Beam job registered its own options for file operations: S3's again.
      s3.register();
      Path model = StoragePaths.of("s3://models/in/model");
      Path evaluation = StoragePaths.of("s3://models/in/evaluation");
      ArtifactDirectory.copyRecursively(local.directory(), model);
      ArtifactDirectory.copyRecursively(localEvaluation, evaluation);
      int files = files(local.directory()) + files(localEvaluation);
      ModelRegistry registry = new ModelRegistry(StoragePaths.of("s3://models/registry"));

      S3Server.Counting counting = s3.countRequests();
      assertEquals(1, registry.push(model, evaluation, "taxi", store, null));
      Map<String, Integer> requests = counting.stop();
      System.out.printf("push of %d files on S3: %s%n", files, requests);

      // The checks read each file once, the copy's check once more (LATEST is one more GET).
      int gets = requests.getOrDefault("GET", 0);
      assertTrue(gets <= 2 * files + 1, gets + " GETs for " + files + " files: " + requests);
      assertEquals(null, requests.get("HEAD"), requests.toString());
      assertEquals(
          local.fingerprint(), ModelArtifact.read(registry.version("taxi", 1)).fingerprint());
    }
  }

  private static int files(Path directory) throws Exception {
    try (Stream<Path> paths = Files.walk(directory)) {
      return (int) paths.filter(Files::isRegularFile).count();
    }
  }
}
