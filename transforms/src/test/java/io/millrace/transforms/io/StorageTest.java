package io.millrace.transforms.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.io.hdfs.HadoopFileSystemOptions;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.util.common.ReflectHelpers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/** Which S3 and HDFS settings Storage takes from the environment, and which it refuses. */
class StorageTest {
  private static final String ACCESS_KEY = "AKIAMILLRACETEST0001";
  private static final String SECRET_KEY = "millrace/Secret+Key/That/Must/Not/Leak0001";

  @TempDir Path dir;

  private static S3Options configure(Map<String, String> environment, String... args) {
    return Storage.configure(PipelineOptionsFactory.fromArgs(args).create(), environment)
        .as(S3Options.class);
  }

  /** What Beam ships to every worker with a job, and what it writes of a job's options. */
  private static String serialized(PipelineOptions options) throws IOException {
    return new ObjectMapper()
        .registerModules(ObjectMapper.findModules(ReflectHelpers.findClassLoader()))
        .writeValueAsString(options);
  }

  @Test
  void anS3CompatibleEndpointComesFromTheAwsVariables() {
    S3Options s3 =
        configure(
            Map.of(
                "AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000",
                "AWS_ENDPOINT_URL", "http://127.0.0.1:9999"));
    assertEquals(URI.create("http://127.0.0.1:9000"), s3.getEndpoint());
    assertEquals(Storage.S3Clients.class, s3.getS3ClientFactoryClass());
    assertEquals(
        URI.create("https://objects.example.com"),
        configure(Map.of("AWS_ENDPOINT_URL", "https://objects.example.com")).getEndpoint());
    assertNull(
        configure(
                Map.of(
                    "AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000",
                    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"))
            .getEndpoint());
    assertNull(configure(Map.of()).getEndpoint());
  }

  @Test
  void optionsGivenExplicitlyWin() {
    S3Options s3 =
        configure(
            Map.of("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000", "AWS_REGION", "eu-west-1"),
            "--endpoint=http://127.0.0.1:7000",
            "--awsRegion=ap-south-1");
    assertEquals(URI.create("http://127.0.0.1:7000"), s3.getEndpoint());
    assertEquals(Region.AP_SOUTH_1, s3.getAwsRegion());
    // Configured twice (a job's options reused): nothing changes.
    Storage.configure(s3, Map.of("AWS_REGION", "eu-west-1"));
    assertEquals(Region.AP_SOUTH_1, s3.getAwsRegion());
  }

  @Test
  void theRegionComesFromTheVariablesOrTheProfileElseUsEast1() throws IOException {
    assertEquals(Region.EU_WEST_1, configure(Map.of("AWS_REGION", "eu-west-1")).getAwsRegion());
    assertEquals(
        Region.EU_WEST_2, configure(Map.of("AWS_DEFAULT_REGION", "eu-west-2")).getAwsRegion());
    Path config = dir.resolve("config");
    Files.writeString(
        config, "[default]\nregion = us-west-2\n\n[profile lake]\nregion = eu-central-1\n");
    assertEquals(
        Region.US_WEST_2, configure(Map.of("AWS_CONFIG_FILE", config.toString())).getAwsRegion());
    assertEquals(
        Region.EU_CENTRAL_1,
        configure(Map.of("AWS_CONFIG_FILE", config.toString(), "AWS_PROFILE", "lake"))
            .getAwsRegion());
    assertEquals(
        Region.US_EAST_1,
        configure(Map.of("AWS_CONFIG_FILE", dir.resolve("none").toString())).getAwsRegion());
  }

  @Test
  void aMalformedEndpointNamesItsVariable() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> configure(Map.of("AWS_ENDPOINT_URL_S3", "127.0.0.1:9000")));
    assertEquals(
        "AWS_ENDPOINT_URL_S3 is not an http:// or https:// URL of an S3 endpoint: '127.0.0.1:9000'",
        e.getMessage());
  }

  @Test
  void credentialsInTheEnvironmentNeverEnterTheOptions() throws IOException {
    PipelineOptions options =
        Storage.configure(
            PipelineOptionsFactory.create(),
            Map.of(
                "AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000",
                "AWS_ACCESS_KEY_ID", ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY", SECRET_KEY));
    // The workers resolve the key pair from their own environment.
    assertTrue(
        options.as(S3Options.class).getAwsCredentialsProvider()
            instanceof DefaultCredentialsProvider);
    for (String shown : new String[] {options.toString(), serialized(options)}) {
      assertFalse(shown.contains(SECRET_KEY), shown);
      assertFalse(shown.contains(ACCESS_KEY), shown);
      assertTrue(shown.contains("127.0.0.1:9000"), shown);
    }
  }

  @Test
  void aSecretGivenAsAnOptionIsRefusedWithoutRepeatingIt() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                configure(
                    Map.of(),
                    "--awsCredentialsProvider={\"@type\":\"StaticCredentialsProvider\","
                        + "\"accessKeyId\":\""
                        + ACCESS_KEY
                        + "\",\"secretAccessKey\":\""
                        + SECRET_KEY
                        + "\"}"));
    assertTrue(e.getMessage().startsWith("--awsCredentialsProvider holds a secret key"));
    assertFalse(e.getMessage().contains(SECRET_KEY));
    // A profile or a role names no secret: allowed.
    configure(Map.of(), "--awsCredentialsProvider={\"@type\":\"ProfileCredentialsProvider\"}");
  }

  @Test
  void hdfsWithoutHadoopConfigurationTakesTheNamenodeFromTheUri() {
    PipelineOptions options = Storage.configure(PipelineOptionsFactory.create(), Map.of());
    assertEquals(
        "hdfs:///",
        options
            .as(HadoopFileSystemOptions.class)
            .getHdfsConfiguration()
            .get(0)
            .get("fs.defaultFS"));
  }
}
