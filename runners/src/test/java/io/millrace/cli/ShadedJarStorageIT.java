package io.millrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.testing.S3Server;
import io.millrace.testing.SharedData;
import io.millrace.testing.StorageServers;
import io.millrace.transforms.io.ExamplesArtifact;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar keeps the s3:// and hdfs:// file systems that merging jars could lose, and reaches
 * an S3-compatible store configured by the standard AWS variables alone, as the AWS CLI is.
 */
@ExtendWith(StorageServers.class)
class ShadedJarStorageIT {
  private static final Path JAR =
      Path.of(System.getProperty("millrace.jar", "target/millrace.jar"));

  @TempDir Path dir;

  @Test
  void theJarRegistersTheS3AndHadoopFileSystems() throws IOException {
    try (JarFile jar = new JarFile(JAR.toFile());
        InputStream services =
            jar.getInputStream(
                jar.getEntry("META-INF/services/org.apache.beam.sdk.io.FileSystemRegistrar"))) {
      List<String> registrars =
          new String(services.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
      assertTrue(
          registrars.contains("org.apache.beam.sdk.io.aws2.s3.S3FileSystemRegistrar"),
          registrars.toString());
      assertTrue(
          registrars.contains("org.apache.beam.sdk.io.hdfs.HadoopFileSystemRegistrar"),
          registrars.toString());
      assertTrue(
          registrars.contains("org.apache.beam.sdk.io.LocalFileSystemRegistrar"),
          registrars.toString());
    }
  }

  @Test
  void theJarIngestsFromS3WithTheAwsVariables(S3Server s3) throws Exception {
    s3.upload(SharedData.path("taxi/tutorial/serving.csv"), "s3://taxi/span-1/serving.csv");
    ProcessBuilder cli =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                JAR.toString(),
                "ingest",
                "--input",
                "s3://taxi/span-{SPAN}/*.csv",
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
    // The key pair came from the environment and went nowhere else.
    assertFalse(out.contains(s3.secretKey()) || err.contains(s3.secretKey()), out + err);
  }
}
