package io.millrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.testing.S3Server;
import io.millrace.testing.SharedData;
import io.millrace.testing.StorageServers;
import io.millrace.transforms.io.ExamplesArtifact;
import io.millrace.transforms.io.Storage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's jobs reach s3:// as the AWS tools do, and no secret reaches its options. */
@ExtendWith(StorageServers.class)
class StorageCliTest {
  @TempDir Path dir;

  @Test
  void ingestReadsFromS3ConfiguredByTheStandardAwsVariablesOnly(S3Server s3)
      throws IOException, InterruptedException {
    s3.createBucket("taxi");
    s3.register();
    try (OutputStream out = Channels.newOutputStream(Storage.create("s3://taxi/serving.csv"))) {
      Files.copy(SharedData.path("taxi/tutorial/serving.csv"), out);
    }
    // A process of its own: the endpoint, region and key pair come from its environment alone.
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder cli =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                Millrace.class.getName(),
                "ingest",
                "--input",
                "s3://taxi/serving.csv",
                "--output",
                dir.resolve("examples").toString())
            .redirectOutput(dir.resolve("out").toFile())
            .redirectError(dir.resolve("err").toFile());
    cli.environment().putAll(s3.environment());
    Process process = cli.start();
    assertTrue(process.waitFor(5, TimeUnit.MINUTES), "the ingest did not end");
    String out = Files.readString(dir.resolve("out"), StandardCharsets.UTF_8);
    String err = Files.readString(dir.resolve("err"), StandardCharsets.UTF_8);
    assertEquals(0, process.exitValue(), out + err);
    assertTrue(err.contains("Read 100 records"), err);
    assertEquals(100, ExamplesArtifact.open(dir.resolve("examples")).manifest().recordsIn());
    for (String printed : List.of(out, err)) {
      assertFalse(printed.contains(s3.secretKey()), printed);
    }
  }

  @Test
  void aSecretGivenOnTheCommandLineIsRefused() {
    String secret = "Secret/Key+On/The/Command/Line0000000001";
    MillraceCliTest.Run run =
        MillraceCliTest.run(
            "ingest",
            "--input",
            SharedData.path("taxi/tutorial/eval.csv").toString(),
            "--output",
            dir.resolve("examples").toString(),
            "--awsCredentialsProvider={\"@type\":\"StaticCredentialsProvider\","
                + "\"accessKeyId\":\"AKIAMILLRACE00000001\",\"secretAccessKey\":\""
                + secret
                + "\"}");
    assertEquals(Millrace.EXIT_USAGE, run.exit(), run.err());
    assertTrue(
        run.err().contains("--awsCredentialsProvider holds a secret key, which would be stored"),
        run.err());
    assertFalse(run.err().contains(secret), run.err());
    assertFalse(run.out().contains(secret), run.out());
    assertFalse(Files.exists(dir.resolve("examples")));
  }
}
