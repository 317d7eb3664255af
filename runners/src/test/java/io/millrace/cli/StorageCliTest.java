package io.millrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No secret reaches the CLI's job options. (The jar reaching s3:// with the AWS variables alone:
 * ShadedJarStorageIT.)
 */
class StorageCliTest {
  @TempDir Path dir;

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
