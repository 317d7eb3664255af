package io.millrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.artifact.ArtifactDirectory;
import io.millrace.artifact.StoragePaths;
import io.millrace.testing.S3Server;
import io.millrace.testing.SharedData;
import io.millrace.testing.StorageServers;
import io.millrace.transforms.io.ExamplesArtifact;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI, in process, with its outputs on a real S3-compatible server (S3Proxy): artifacts are
 * written under s3:// URIs and committed by their marker; a store that cannot be reached, a wrong
 * secret and a missing bucket give one line naming the operation and the URI, exit 1, no stack
 * trace and nothing committed.
 */
@ExtendWith(StorageServers.class)
class S3CliTest {
  @TempDir Path dir;

  private static MillraceCliTest.Run ingest(S3Server s3, String endpoint, String output) {
    return MillraceCliTest.run(
        "ingest",
        "--input",
        SharedData.path("taxi/tutorial/serving.csv").toString(),
        "--output",
        output,
        "--endpoint=" + endpoint);
  }

  /** {@code millrace ingest --input INPUT --output OUTPUT --overwrite} against the server. */
  private static MillraceCliTest.Run ingestOverwriting(S3Server s3, String input, String output) {
    return MillraceCliTest.run(
        "ingest",
        "--input",
        input,
        "--output",
        output,
        "--overwrite",
        "--endpoint=" + s3.endpoint());
  }

  private static void assertOneLineNaming(MillraceCliTest.Run run, String uri, String reason) {
    assertEquals(Millrace.EXIT_FAILED, run.exit(), run.err());
    assertTrue(run.err().contains(uri), run.err());
    assertTrue(run.err().contains(reason), run.err());
    assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
  }

  @Test
  void ingestWritesACommittedArtifactToS3(S3Server s3) throws IOException {
    s3.createBucket("cli");
    s3.register();
    MillraceCliTest.Run run = ingest(s3, s3.endpoint().toString(), "s3://cli/serving-examples");
    assertEquals(0, run.exit(), run.err());
    Path examples = StoragePaths.of("s3://cli/serving-examples");
    ArtifactDirectory.requireCommitted(examples);
    assertTrue(Files.exists(examples.resolve(ArtifactDirectory.COMMITTED)));
    assertEquals(100, ExamplesArtifact.open(examples).manifest().recordsIn());
    // A second ingest into the same place is refused, as on a local disk.
    MillraceCliTest.Run again = ingest(s3, s3.endpoint().toString(), "s3://cli/serving-examples");
    assertEquals(Millrace.EXIT_USAGE, again.exit(), again.err());
    assertTrue(again.err().contains("already exists"), again.err());
  }

  @Test
  void anUnreachableEndpointIsNamed(S3Server s3) throws IOException {
    s3.register();
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    MillraceCliTest.Run run = ingest(s3, "http://127.0.0.1:" + closed, "s3://cli/unreachable");
    assertOneLineNaming(
        run,
        "s3://cli/.unreachable.staging-",
        "cannot reach the S3 endpoint (Connect to 127.0.0.1:" + closed);
  }

  @Test
  void aMissingBucketIsNamed(S3Server s3) throws IOException {
    s3.register();
    MillraceCliTest.Run run = ingest(s3, s3.endpoint().toString(), "s3://no-such-bucket/examples");
    assertOneLineNaming(
        run, "s3://no-such-bucket/.examples.staging-", "bucket 'no-such-bucket' does not exist");
  }

  @Test
  void anInputOnAMissingBucketIsNamed(S3Server s3) throws IOException {
    s3.register();
    MillraceCliTest.Run run =
        MillraceCliTest.run(
            "ingest",
            "--input",
            "s3://no-such-bucket/data/*.csv",
            "--output",
            dir.resolve("examples").toString(),
            "--endpoint=" + s3.endpoint());
    assertOneLineNaming(
        run, "s3://no-such-bucket/data/*.csv", "bucket 'no-such-bucket' does not exist");
  }

  @Test
  void aWrongSecretIsNamed(S3Server s3) throws IOException {
    s3.createBucket("cli");
    s3.register();
    String secret = System.getProperty("aws.secretAccessKey");
    System.setProperty("aws.secretAccessKey", "not-the-secret");
    try {
      MillraceCliTest.Run run = ingest(s3, s3.endpoint().toString(), "s3://cli/wrong-secret");
      assertOneLineNaming(run, "s3://cli/.wrong-secret.staging-", "refused the credential");
      assertFalse(run.err().contains("not-the-secret"), run.err());
    } finally {
      System.setProperty("aws.secretAccessKey", secret);
    }
    s3.register();
    assertFalse(Files.exists(StoragePaths.of("s3://cli/wrong-secret")), "nothing was written");
  }

  /** Every key in a bucket, as the S3 API lists them. */
  private static List<String> keysIn(String bucket) throws IOException {
    Path root = StoragePaths.of("s3://" + bucket + "/");
    try (Stream<Path> all = Files.walk(root)) {
      return all.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).toList();
    }
  }

  @Test
  void aKeyWithDotSegmentsIsRefusedAndNothingIsWritten(S3Server s3) throws IOException {
    s3.createBucket("dots");
    s3.register();
    for (String output :
        List.of("s3://dots/data/../examples", "s3://dots/data/./examples", "s3://dots/../up")) {
      MillraceCliTest.Run run = ingest(s3, s3.endpoint().toString(), output);
      assertEquals(Millrace.EXIT_USAGE, run.exit(), output + ": " + run.err());
      assertTrue(run.err().contains(output), run.err());
      assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
      assertEquals(List.of(), keysIn("dots"), output + " wrote something");
    }
    MillraceCliTest.Run input =
        ingestOverwriting(s3, "s3://dots/in/../serving.csv", "s3://dots/examples");
    assertEquals(Millrace.EXIT_USAGE, input.exit(), input.err());
    assertTrue(input.err().contains("s3://dots/in/../serving.csv"), input.err());
  }

  @Test
  void overwriteNeverReplacesAnInputARegistryOrARootOnS3(S3Server s3) throws IOException {
    s3.upload(SharedData.path("taxi/tutorial/serving.csv"), "s3://guard/in/serving.csv");
    Files.writeString(StoragePaths.of("s3://guard/registry/taxi/LATEST"), "1\n");
    Files.writeString(StoragePaths.of("s3://guard/registry/taxi/1/model.json"), "{}");
    Files.writeString(StoragePaths.of("s3://guard/root/artifacts/ingest/0/part"), "x");
    Files.writeString(StoragePaths.of("s3://guard/root/runs/r1/report.html"), "x");
    List<String> before = keysIn("guard");
    for (String output :
        List.of(
            "s3://guard/in",
            "s3://guard/in/serving.csv",
            "s3://guard",
            "s3://guard/registry",
            "s3://guard/registry/taxi/1",
            "s3://guard/root",
            "s3://guard/root/artifacts/ingest/0")) {
      MillraceCliTest.Run run = ingestOverwriting(s3, "s3://guard/in/serving.csv", output);
      assertEquals(Millrace.EXIT_USAGE, run.exit(), output + ": " + run.err());
      assertTrue(run.err().contains("refusing to write " + output), run.err());
      assertEquals(before, keysIn("guard"), output + " changed the bucket");
    }
  }

  @Test
  void overwriteNeverReplacesTheExamplesArtifactItReadsOnS3(S3Server s3) throws IOException {
    s3.createBucket("reread");
    s3.register();
    assertEquals(0, ingest(s3, s3.endpoint().toString(), "s3://reread/examples").exit());
    List<String> before = keysIn("reread");
    // The examples' own Avro files as the input, their artifact as the output: --overwrite would
    // delete what it reads.
    MillraceCliTest.Run run =
        ingestOverwriting(s3, "s3://reread/examples/*/*.avro", "s3://reread/examples");
    assertEquals(Millrace.EXIT_USAGE, run.exit(), run.err());
    assertTrue(run.err().contains("refusing to write s3://reread/examples"), run.err());
    assertTrue(run.err().contains("it holds the input"), run.err());
    assertEquals(before, keysIn("reread"));
  }
}
