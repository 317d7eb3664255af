package io.millrace.serving.s3;

import io.millrace.artifact.nio.AwsEnvironment;
import io.millrace.artifact.nio.ReadOnlyUriFileSystemProvider;
import io.millrace.artifact.nio.UriChannels;
import io.millrace.artifact.nio.UriFileSystemProvider;
import io.millrace.artifact.nio.UriPath;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.AwsProfileRegionProvider;
import software.amazon.awssdk.regions.providers.AwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.SystemSettingsRegionProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Read-only {@code java.nio.file} access to {@code s3://bucket/key} on the AWS SDK for Java v2
 * directly, for a process without Beam (the model server), so that the artifact code written
 * against {@link Path} and {@link Files} ({@code ModelRegistry}, {@code LoadedModel}, whose local
 * model cache copies a version and checks its fingerprint before TensorFlow loads it) reads a
 * registry on S3 unchanged. The Beam modules keep their own provider over Beam's file systems; this
 * one is not registered as a service, so it never competes with that one. Both build on the
 * Beam-free {@link UriFileSystemProvider} (paths, the file system, attributes; this one through
 * {@link ReadOnlyUriFileSystemProvider}, which refuses every write) and read the endpoint as {@link
 * AwsEnvironment} does; this class keeps only what talks to S3.
 *
 * <p>Configured as the AWS CLI is: the endpoint from {@code AWS_ENDPOINT_URL_S3}, else {@code
 * AWS_ENDPOINT_URL} (ignored when {@code AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true}), addressing
 * buckets path-style there (an S3-compatible store seldom has a DNS name per bucket); the region
 * from {@code aws.region}, {@code AWS_REGION}, {@code AWS_DEFAULT_REGION} or the profile, else
 * {@code us-east-1}; credentials from the SDK's default chain. A directory is a key prefix: it
 * exists while an object lies under it. Every write answers {@link ReadOnlyFileSystemException}.
 */
public final class S3FileSystemProvider extends ReadOnlyUriFileSystemProvider {
  static final String DEFAULT_REGION = AwsEnvironment.DEFAULT_REGION;

  private static volatile S3FileSystemProvider shared;

  private final S3Client client;

  S3FileSystemProvider(S3Client client) {
    super("s3");
    this.client = client;
  }

  /** The provider of this process, its client configured from the environment on first use. */
  public static S3FileSystemProvider fromEnvironment() {
    S3FileSystemProvider provider = shared;
    if (provider == null) {
      synchronized (S3FileSystemProvider.class) {
        if (shared == null) {
          shared = new S3FileSystemProvider(client(System.getenv()));
        }
        provider = shared;
      }
    }
    return provider;
  }

  /** The path {@code s3://bucket/key} names. */
  public Path path(String uri) {
    return UriPath.parse(fileSystem, uri);
  }

  static S3Client client(Map<String, String> environment) {
    S3ClientBuilder builder =
        S3Client.builder()
            .httpClientBuilder(ApacheHttpClient.builder())
            .credentialsProvider(DefaultCredentialsProvider.create())
            .region(Region.of(region(environment)));
    AwsEnvironment.s3Endpoint(environment)
        .ifPresent(
            endpoint ->
                builder
                    .endpointOverride(endpoint)
                    .serviceConfiguration(
                        S3Configuration.builder().pathStyleAccessEnabled(true).build()));
    return builder.build();
  }

  /**
   * The region as the AWS SDK finds it ({@code aws.region}, {@code AWS_REGION}, the profile), then
   * the AWS CLI's {@code AWS_DEFAULT_REGION}, else {@value #DEFAULT_REGION}; never the EC2 instance
   * metadata service, whose lookup off EC2 only waits.
   */
  static String region(Map<String, String> environment) {
    try {
      return new AwsRegionProviderChain(
              new SystemSettingsRegionProvider(), new AwsProfileRegionProvider())
          .getRegion()
          .id();
    } catch (SdkException none) {
      return AwsEnvironment.first(environment, "AWS_DEFAULT_REGION").orElse(DEFAULT_REGION);
    }
  }

  // ------------------------------------------------------------------ reading

  @Override
  public InputStream newInputStream(Path path, OpenOption... options) throws IOException {
    for (OpenOption option : options) {
      if (option != StandardOpenOption.READ) {
        throw new ReadOnlyFileSystemException();
      }
    }
    UriPath file = absolute(path);
    try {
      return client.getObject(b -> b.bucket(file.authority()).key(file.key()));
    } catch (S3Exception e) {
      throw failure("reading", file, e);
    } catch (SdkException e) {
      throw new IOException("reading " + file + " failed: " + e.getMessage(), e);
    }
  }

  /** The object's bytes in a temporary file, deleted when the channel closes. */
  @Override
  public SeekableByteChannel newByteChannel(
      Path path, Set<? extends OpenOption> options, FileAttribute<?>... attributes)
      throws IOException {
    for (OpenOption option : options) {
      if (option != StandardOpenOption.READ) {
        throw new ReadOnlyFileSystemException();
      }
    }
    Path copy = Files.createTempFile("millrace-s3-", ".object");
    try (InputStream in = newInputStream(path)) {
      Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
      return FileChannel.open(copy, StandardOpenOption.READ, StandardOpenOption.DELETE_ON_CLOSE);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(copy);
      throw e;
    }
  }

  /** The files and directories right under {@code dir}: one listing by delimiter per page. */
  @Override
  public DirectoryStream<Path> newDirectoryStream(
      Path dir, DirectoryStream.Filter<? super Path> filter) throws IOException {
    UriPath directory = absolute(dir);
    String prefix = directory.key().isEmpty() ? "" : directory.key() + "/";
    List<Path> children = new ArrayList<>();
    try {
      ListObjectsV2Request.Builder request =
          ListObjectsV2Request.builder()
              .bucket(directory.authority())
              .prefix(prefix)
              .delimiter("/");
      for (ListObjectsV2Response page : client.listObjectsV2Paginator(request.build())) {
        for (S3Object object : page.contents()) {
          String name = object.key().substring(prefix.length());
          if (!name.isEmpty()) {
            children.add(
                directory.listedChild(
                    name,
                    new Attributes(true, object.size(), object.lastModified().toEpochMilli())));
          }
        }
        for (CommonPrefix common : page.commonPrefixes()) {
          String name = common.prefix().substring(prefix.length());
          name = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
          if (!name.isEmpty()) {
            children.add(directory.listedChild(name, new Attributes(false, 0, 0)));
          }
        }
      }
    } catch (S3Exception e) {
      throw failure("listing", directory, e);
    } catch (SdkException e) {
      throw new IOException("listing " + directory + " failed: " + e.getMessage(), e);
    }
    if (children.isEmpty() && !prefix.isEmpty()) {
      if (object(directory).isPresent()) {
        throw new NotDirectoryException(directory.toString());
      }
      throw new NoSuchFileException(directory.toString());
    }
    return UriChannels.listed(children, filter);
  }

  // ------------------------------------------------------------------ attributes

  @Override
  protected BasicFileAttributes attributes(UriPath path) throws IOException {
    if (path.listed() != null) {
      return path.listed();
    }
    if (path.key().isEmpty()) {
      return new Attributes(false, 0, 0); // a bucket
    }
    Optional<HeadObjectResponse> object = object(path);
    if (object.isPresent()) {
      return new Attributes(
          true, object.get().contentLength(), object.get().lastModified().toEpochMilli());
    }
    try {
      ListObjectsV2Response under =
          client.listObjectsV2(b -> b.bucket(path.authority()).prefix(path.key() + "/").maxKeys(1));
      if (!under.contents().isEmpty()) {
        return new Attributes(false, 0, 0);
      }
    } catch (S3Exception e) {
      throw failure("listing", path, e);
    } catch (SdkException e) {
      throw new IOException("listing " + path + " failed: " + e.getMessage(), e);
    }
    throw new NoSuchFileException(path.toString());
  }

  private Optional<HeadObjectResponse> object(UriPath path) throws IOException {
    try {
      return Optional.of(client.headObject(b -> b.bucket(path.authority()).key(path.key())));
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw failure("reading the attributes of", path, e);
    } catch (SdkException e) {
      throw new IOException("reading the attributes of " + path + " failed: " + e.getMessage(), e);
    }
  }

  private static IOException failure(String doing, UriPath path, S3Exception e) {
    String why =
        e.awsErrorDetails() != null && e.awsErrorDetails().errorMessage() != null
            ? e.awsErrorDetails().errorMessage()
            : e.getMessage();
    if (e.statusCode() == 404) {
      return new NoSuchFileException(path.toString(), null, why);
    }
    if (e.statusCode() == 403) {
      return new AccessDeniedException(path.toString(), null, why);
    }
    return new IOException(doing + " " + path + " failed (HTTP " + e.statusCode() + "): " + why, e);
  }
}
