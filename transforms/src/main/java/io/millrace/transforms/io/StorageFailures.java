package io.millrace.transforms.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Says why a file operation failed in words a user can act on: the endpoint that cannot be reached,
 * the credential the store refused, the bucket that does not exist. The AWS SDK's and Hadoop's own
 * messages name neither the file nor the setting to check.
 */
final class StorageFailures {
  private static final Set<String> UNKNOWN_KEY = Set.of("InvalidAccessKeyId");
  private static final Set<String> WRONG_SECRET =
      Set.of("SignatureDoesNotMatch", "AuthorizationHeaderMalformed");
  private static final Set<String> BAD_TOKEN =
      Set.of("ExpiredToken", "InvalidToken", "TokenRefreshRequired");
  private static final List<Class<? extends IOException>> UNREACHABLE =
      List.of(
          ConnectException.class,
          NoRouteToHostException.class,
          UnknownHostException.class,
          SocketTimeoutException.class);

  private StorageFailures() {}

  static String reason(String uri, Throwable failure) {
    Optional<AwsServiceException> service = find(failure, AwsServiceException.class);
    if (service.isPresent()) {
      return s3Reason(uri, service.get());
    }
    for (Class<? extends IOException> type : UNREACHABLE) {
      Optional<? extends IOException> unreachable = find(failure, type);
      if (unreachable.isPresent()) {
        return "cannot reach "
            + endpointOf(uri)
            + " ("
            + firstSentence(outermostMessage(failure, unreachable.get()))
            + ")"
            + endpointHint(uri);
      }
    }
    Optional<SdkClientException> client = find(failure, SdkClientException.class);
    if (client.isPresent()) {
      return firstSentence(client.get().getMessage());
    }
    Optional<FileNotFoundException> missing = find(failure, FileNotFoundException.class);
    if (missing.isPresent()) {
      return "no such file";
    }
    if (failure instanceof IllegalArgumentException
        && String.valueOf(failure.getMessage()).startsWith("No filesystem found for scheme")) {
      return "no file system is registered for scheme '"
          + schemeOf(uri)
          + "' (local paths, s3:// and hdfs:// are)";
    }
    Optional<InterruptedIOException> interrupted = find(failure, InterruptedIOException.class);
    if (interrupted.isPresent()) {
      return "interrupted";
    }
    Throwable cause =
        failure.getCause() != null && failure instanceof IOException ? failure.getCause() : failure;
    return describe(cause);
  }

  private static String s3Reason(String uri, AwsServiceException e) {
    int status = e.statusCode();
    String code = errorCode(e);
    String answer = "HTTP " + status + (code.isEmpty() ? "" : " " + code);
    String bucket = bucketOf(uri);
    if ("NoSuchBucket".equals(code) || (status == 404 && bucketMissing(bucket))) {
      return "bucket '" + bucket + "' does not exist (" + answer + ")";
    }
    if (status == 404) {
      return "no such object (" + answer + ")";
    }
    if (UNKNOWN_KEY.contains(code)) {
      return "the store does not know the access key ("
          + answer
          + "); check AWS_ACCESS_KEY_ID or the profile (AWS_PROFILE)";
    }
    if (WRONG_SECRET.contains(code)) {
      return "the store refused the credential: the request's signature does not match ("
          + answer
          + "); check AWS_SECRET_ACCESS_KEY or the profile (AWS_PROFILE), and AWS_REGION";
    }
    if (BAD_TOKEN.contains(code)) {
      return "the session token was refused (" + answer + "); renew the credential";
    }
    if (status == 403) {
      return "access denied ("
          + answer
          + "): the store refused the credential, or it has no right to this; check"
          + " AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the profile (AWS_PROFILE)";
    }
    if (status == 301 || "PermanentRedirect".equals(code)) {
      String region =
          e.awsErrorDetails() == null
              ? null
              : e.awsErrorDetails()
                  .sdkHttpResponse()
                  .firstMatchingHeader("x-amz-bucket-region")
                  .orElse(null);
      return "bucket '"
          + bucket
          + "' is in another region"
          + (region == null ? "" : " (" + region + ")")
          + "; set AWS_REGION ("
          + answer
          + ")";
    }
    if (status == 501 || "NotImplemented".equals(code)) {
      return "the store does not implement this request (" + answer + ")";
    }
    String message =
        e.awsErrorDetails() == null || e.awsErrorDetails().errorMessage() == null
            ? ""
            : ": " + e.awsErrorDetails().errorMessage();
    return "the store answered " + answer + message;
  }

  /** Lists the bucket (under one unlikely key) to tell a missing bucket from a missing object. */
  private static boolean bucketMissing(String bucket) {
    if (bucket == null) {
      return false;
    }
    try {
      FileSystems.match("s3://" + bucket + "/.millrace-probe*", EmptyMatchTreatment.ALLOW)
          .metadata();
      return false;
    } catch (IOException | RuntimeException e) {
      return find(e, AwsServiceException.class)
          .map(StorageFailures::errorCode)
          .filter("NoSuchBucket"::equals)
          .isPresent();
    }
  }

  private static String errorCode(AwsServiceException e) {
    return e.awsErrorDetails() == null || e.awsErrorDetails().errorCode() == null
        ? ""
        : e.awsErrorDetails().errorCode();
  }

  private static String bucketOf(String uri) {
    try {
      URI parsed = URI.create(uri);
      return "s3".equals(parsed.getScheme()) ? parsed.getAuthority() : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String endpointOf(String uri) {
    String scheme = schemeOf(uri);
    if ("s3".equals(scheme)) {
      return "the S3 endpoint";
    }
    if ("hdfs".equals(scheme)) {
      return "the HDFS namenode";
    }
    return "the store";
  }

  private static String endpointHint(String uri) {
    return "s3".equals(schemeOf(uri))
        ? "; check AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or --endpoint, and the network"
        : "";
  }

  private static String schemeOf(String uri) {
    try {
      return URI.create(uri).getScheme();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The message nearest the top that still says what failed, without Java class prefixes. */
  private static String outermostMessage(Throwable top, Throwable root) {
    for (Throwable t = top; t != null; t = t.getCause()) {
      if (t instanceof SdkClientException || t == root) {
        String message = t.getMessage();
        if (message != null) {
          return message.replaceFirst("^Unable to execute HTTP request: ", "");
        }
      }
    }
    return describe(root);
  }

  private static String firstSentence(String message) {
    if (message == null) {
      return "";
    }
    String line = message.lines().findFirst().orElse("");
    int more = line.indexOf("; For more details see");
    return (more >= 0 ? line.substring(0, more) : line).trim();
  }

  private static String describe(Throwable t) {
    String message = firstSentence(t.getMessage());
    String type = t.getClass().getSimpleName().toLowerCase(Locale.ROOT);
    return message.isEmpty() ? type : message;
  }

  private static <T extends Throwable> Optional<T> find(Throwable failure, Class<T> type) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return Optional.of(type.cast(t));
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return Optional.empty();
  }
}
