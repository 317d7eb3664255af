package io.millrace.artifact.nio;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where S3 is and in which region, from the environment as the AWS CLI reads it; for every client
 * of S3 (Beam's in the pipelines, the AWS SDK's own in the model server), without the SDK.
 */
public final class AwsEnvironment {
  /** The region when nothing names one, as the AWS tools default. */
  public static final String DEFAULT_REGION = "us-east-1";

  private AwsEnvironment() {}

  /**
   * The endpoint from {@code AWS_ENDPOINT_URL_S3}, else {@code AWS_ENDPOINT_URL}; none when {@code
   * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true}.
   *
   * @throws IllegalArgumentException naming the variable, when it is no http:// or https:// URL
   */
  public static Optional<URI> s3Endpoint(Map<String, String> environment) {
    if ("true".equalsIgnoreCase(environment.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"))) {
      return Optional.empty();
    }
    for (String variable : List.of("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")) {
      Optional<String> value = first(environment, variable);
      if (value.isPresent()) {
        return Optional.of(endpoint(variable, value.get()));
      }
    }
    return Optional.empty();
  }

  private static URI endpoint(String variable, String value) {
    try {
      URI uri = new URI(value);
      if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          && uri.getHost() != null
          && uri.getUserInfo() == null) {
        return uri;
      }
    } catch (URISyntaxException e) {
      // Reported below with the variable's name.
    }
    throw new IllegalArgumentException(
        variable + " is not an http:// or https:// URL of an S3 endpoint: '" + value + "'");
  }

  /** The first of {@code variables} set to something other than blanks, trimmed. */
  public static Optional<String> first(Map<String, String> environment, String... variables) {
    for (String variable : variables) {
      String value = environment.get(variable);
      if (value != null && !value.isBlank()) {
        return Optional.of(value.trim());
      }
    }
    return Optional.empty();
  }
}
