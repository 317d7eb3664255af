package io.millrace.transforms.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.millrace.testing.S3Server;
import io.millrace.testing.SharedData;
import io.millrace.testing.StorageServers;
import io.millrace.transforms.ReadExamples;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Count;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Beam's FileSystems on s3:// against a real S3-compatible server (S3Proxy), configured by {@link
 * Storage} from the standard AWS variables; and the errors of a missing bucket, a wrong credential
 * and an unreachable endpoint.
 */
@ExtendWith(StorageServers.class)
class S3StorageTest {

  @Test
  void createsReadsMatchesCopiesRenamesAndDeletes(S3Server s3) throws IOException {
    s3.createBucket("files");
    s3.register();
    FileSystemRoundTrip.check("s3://files/");
  }

  @Test
  void storageRunsTheSameOperations(S3Server s3) throws IOException {
    s3.createBucket("files");
    s3.register();
    try (OutputStream out = Channels.newOutputStream(Storage.create("s3://files/ops/a.txt"))) {
      out.write("hello".getBytes(StandardCharsets.UTF_8));
    }
    Storage.copy("s3://files/ops/a.txt", "s3://files/ops/b.txt");
    Storage.rename("s3://files/ops/b.txt", "s3://files/ops/c.txt");
    try (InputStream in = Channels.newInputStream(Storage.open("s3://files/ops/c.txt"))) {
      assertEquals("hello", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    assertEquals(
        List.of("s3://files/ops/a.txt", "s3://files/ops/c.txt"),
        Storage.match("s3://files/ops/*").stream()
            .map(m -> m.resourceId().toString())
            .sorted()
            .toList());
    Storage.delete(List.of("s3://files/ops/a.txt", "s3://files/ops/c.txt"));
    assertEquals(List.of(), Storage.match("s3://files/ops/*"));
    StorageException missing =
        assertThrows(StorageException.class, () -> Storage.open("s3://files/ops/gone.txt"));
    assertEquals(
        "cannot read s3://files/ops/gone.txt: no such object (HTTP 404 NoSuchKey)",
        missing.getMessage());
  }

  @Test
  void aPipelineReadsTheTaxiCsvFromS3(S3Server s3) throws IOException {
    s3.upload(SharedData.path("taxi/tutorial/train.csv"), "s3://taxi/span-1/train.csv");
    Pipeline pipeline = Pipeline.create(s3.options("--runner=DirectRunner"));
    // Ranges of 256 KiB: the 1.3 MB file is read in parallel ranged GETs.
    ReadExamples.Result read =
        pipeline.apply(ReadExamples.from("s3://taxi/span-{SPAN}/*.csv").withRangeBytes(256 << 10));
    assertEquals(18, read.schema().size());
    PAssert.thatSingleton(read.examples().apply(Count.globally())).isEqualTo(10_000L);
    PAssert.that(read.deadLetters()).empty();
    PAssert.that(read.damages()).empty();
    PipelineResult result = pipeline.run();
    assertEquals(PipelineResult.State.DONE, result.waitUntilFinish());
    // The three assertions ran (a pipeline that skipped them would pass silently).
    long asserted = 0;
    for (MetricResult<Long> counter :
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named(PAssert.class, PAssert.SUCCESS_COUNTER))
                    .build())
            .getCounters()) {
      asserted += counter.getAttempted();
    }
    assertEquals(3, asserted);
  }

  @Test
  void aMissingBucketIsNamedForEachOperation(S3Server s3) {
    s3.register();
    assertEquals(
        "cannot list s3://no-bucket/data/*.csv: bucket 'no-bucket' does not exist (HTTP 404"
            + " NoSuchBucket)",
        assertThrows(StorageException.class, () -> Storage.match("s3://no-bucket/data/*.csv"))
            .getMessage());
    assertEquals(
        "cannot write s3://no-bucket/x.csv: bucket 'no-bucket' does not exist (HTTP 404"
            + " NoSuchBucket)",
        assertThrows(StorageException.class, () -> Storage.create("s3://no-bucket/x.csv"))
            .getMessage());
    assertEquals(
        "cannot read s3://no-bucket/x.csv: bucket 'no-bucket' does not exist (HTTP 404"
            + " NoSuchKey)",
        assertThrows(StorageException.class, () -> Storage.open("s3://no-bucket/x.csv"))
            .getMessage());
  }

  @Test
  void aWrongCredentialIsNamedWithoutTheSecret(S3Server s3) {
    s3.createBucket("files");
    String wrongSecret = "wrong" + s3.secretKey();
    String secret = System.setProperty("aws.secretAccessKey", wrongSecret);
    try {
      s3.register();
      String message =
          assertThrows(StorageException.class, () -> Storage.match("s3://files/data/*.csv"))
              .getMessage();
      assertEquals(
          "cannot list s3://files/data/*.csv: the store refused the credential: the request's"
              + " signature does not match (HTTP 403 SignatureDoesNotMatch); check"
              + " AWS_SECRET_ACCESS_KEY or the profile (AWS_PROFILE), and AWS_REGION",
          message);
      assertFalse(message.contains(wrongSecret));
    } finally {
      System.setProperty("aws.secretAccessKey", secret);
    }
  }

  @Test
  void anUnreachableEndpointIsNamed(S3Server s3) {
    Map<String, String> environment = new HashMap<>(s3.environment());
    // Port 1 on the loopback: nothing listens there.
    environment.put("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:1");
    FileSystems.setDefaultPipelineOptions(
        Storage.configure(PipelineOptionsFactory.create(), environment));
    assertEquals(
        "cannot list s3://files/data/*.csv: cannot reach the S3 endpoint (Connect to"
            + " 127.0.0.1:1 [/127.0.0.1] failed: Connection refused); check AWS_ENDPOINT_URL_S3,"
            + " AWS_ENDPOINT_URL or --endpoint, and the network",
        assertThrows(StorageException.class, () -> Storage.match("s3://files/data/*.csv"))
            .getMessage());
  }
}
