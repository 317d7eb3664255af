package io.millrace.artifact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReproducibilityFingerprintTest {
  private static final Schema RECORD =
      SchemaBuilder.record("example").fields().requiredLong("x").endRecord();

  @TempDir Path dir;

  private Path artifact(String name, String manifest, long[]... shards) throws IOException {
    Path artifact = dir.resolve(name);
    Files.createDirectories(artifact.resolve("train"));
    Files.writeString(artifact.resolve("manifest.json"), manifest);
    Files.writeString(artifact.resolve("report.html"), "<p>" + name + "</p>");
    Files.createDirectories(artifact.resolve(".staging-1"));
    Files.writeString(artifact.resolve(".staging-1/left.txt"), name);
    for (int s = 0; s < shards.length; s++) {
      try (DataFileWriter<GenericRecord> avro =
          new DataFileWriter<GenericRecord>(new GenericDatumWriter<>(RECORD))
              .create(RECORD, artifact.resolve("train/part-" + s + ".avro").toFile())) {
        for (long x : shards[s]) {
          GenericRecord record = new GenericData.Record(RECORD);
          record.put("x", x);
          avro.append(record);
        }
      }
    }
    return artifact;
  }

  @Test
  void timestampsTimingsPathsShardLayoutAndReportsDoNotCountContentDoes() throws IOException {
    String fingerprint =
        ReproducibilityFingerprint.of(
            artifact(
                "a",
                """
                {"createdAt": "2026-01-01T00:00:00Z", "runner": "DirectRunner", "trainMillis": 5,
                 "input": {"path": "/home/a/data/trips.csv", "shards": [1]}, "mean": 1.5}
                """,
                new long[] {1, 2, 3}));
    assertEquals(
        fingerprint,
        ReproducibilityFingerprint.of(
            artifact(
                "b",
                """
                {"createdAt": "2026-02-02T00:00:00Z", "runner": "FlinkRunner", "trainMillis": 9,
                 "input": {"path": "s3://bucket/b/data/trips.csv", "shards": [2, 3]}, "mean": 1.5}
                """,
                new long[] {3, 1},
                new long[] {2})));
    assertNotEquals(
        fingerprint,
        ReproducibilityFingerprint.of(
            artifact(
                "other-mean",
                """
                {"input": {"path": "/home/a/data/trips.csv"}, "mean": 1.5000000000000002}
                """,
                new long[] {1, 2, 3})));
    assertNotEquals(
        fingerprint,
        ReproducibilityFingerprint.of(
            artifact(
                "other-record",
                """
                {"input": {"path": "/home/a/data/trips.csv"}, "mean": 1.5}
                """,
                new long[] {1, 2, 4})));
    assertNotEquals(
        fingerprint,
        ReproducibilityFingerprint.of(
            artifact(
                "other-input-name",
                """
                {"input": {"path": "/home/a/data/other.csv"}, "mean": 1.5}
                """,
                new long[] {1, 2, 3})));
  }
}
