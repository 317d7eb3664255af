package io.millrace.transforms.io;

import io.millrace.artifact.nio.AwsEnvironment;
import io.millrace.artifact.nio.UriChannels;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.FileSystem;
import org.apache.beam.sdk.io.FileSystemRegistrar;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.aws2.common.ClientBuilderFactory;
import org.apache.beam.sdk.io.aws2.options.S3ClientBuilderFactory;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.io.aws2.s3.SSECustomerKey;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.io.hdfs.HadoopFileSystemOptions;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.util.InstanceBuilder;
import org.apache.hadoop.conf.Configuration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.profiles.ProfileProperty;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Points Beam's {@link FileSystems} at the object stores and Hadoop file systems the environment
 * names, the way the AWS and Hadoop tools find them, so {@code s3://bucket/key} and {@code
 * hdfs://namenode:port/path} work wherever a local path does; and runs file operations with errors
 * that name the operation, the URI and the reason.
 *
 * <p>S3 ({@link #configure}): the endpoint from {@code AWS_ENDPOINT_URL_S3}, else {@code
 * AWS_ENDPOINT_URL} (ignored when {@code AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true}), for
 * S3-compatible stores, which are then addressed path-style ({@code http://host/bucket/key}); the
 * region from {@code aws.region}, {@code AWS_REGION}, {@code AWS_DEFAULT_REGION} or the profile's
 * {@code region} ({@code AWS_PROFILE}, {@code AWS_CONFIG_FILE}), else {@code us-east-1}, as the AWS
 * CLI's s3 commands do. Credentials are never copied: the options keep the AWS SDK's default
 * provider chain (system properties, {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}/{@code
 * AWS_SESSION_TOKEN}, web identity, profiles, container and instance roles), which each worker
 * resolves from its own environment. Options given explicitly ({@code --endpoint}, {@code
 * --awsRegion}, {@code --awsCredentialsProvider} naming a profile or role, ...) win.
 *
 * <p>The region is never looked up from the EC2 instance metadata service: off EC2 that lookup
 * costs ~0.8 s per pipeline (measured), paid by every job, S3 or not. The AWS SDK this Beam version
 * brings (2.20) computes no flexible request checksums, which S3-compatible servers such as S3Proxy
 * refuse; it behaves as the newer SDKs' "request checksum calculation WHEN_REQUIRED".
 *
 * <p>HDFS: the configuration in {@code HADOOP_CONF_DIR} (its {@code fs.defaultFS}), as Beam reads
 * it; without one, any {@code hdfs://host:port/path} with its namenode in the URI.
 */
public final class Storage {
  private static final String HDFS_ANY_NAMENODE = "hdfs:///";

  private Storage() {}

  private static volatile boolean registered;
  private static volatile Configuration hadoop;
  private static volatile S3Direct s3Direct;

  /** {@link #configure} from this process's environment, then registered for file operations. */
  public static PipelineOptions register(PipelineOptions options) {
    configure(options, System.getenv());
    return use(options);
  }

  /** Registers options that are already configured for file operations outside a pipeline. */
  public static PipelineOptions use(PipelineOptions configured) {
    FileSystems.setDefaultPipelineOptions(configured);
    List<Configuration> hdfs = configured.as(HadoopFileSystemOptions.class).getHdfsConfiguration();
    hadoop = hdfs == null || hdfs.isEmpty() ? null : hdfs.get(0);
    s3Direct = new S3Direct(configured.as(S3Options.class));
    registered = true;
    return configured;
  }

  /**
   * Beam registered file systems with a job's options ({@link BeamRegistration}): in a worker,
   * where nothing else registers options, S3 requests then go straight to S3 with the job's
   * settings as Beam's file system would send them, through a client per distinct configuration.
   */
  static void registeredByBeam(PipelineOptions options) {
    s3Direct = new S3Direct(options.as(S3Options.class));
  }

  /** The S3 options that direct requests go with; null when none were registered. */
  static S3Options directS3Options() {
    S3Direct s3 = s3Direct;
    return s3 == null ? null : s3.options;
  }

  /**
   * Told by Beam of every registration of its file systems, which a worker does for each job it
   * runs: a registrar of no file system of its own (so it clashes with none).
   */
  public static final class BeamRegistration implements FileSystemRegistrar {
    @Override
    public Iterable<FileSystem<?>> fromOptions(PipelineOptions options) {
      registeredByBeam(options);
      return List.of();
    }
  }

  /**
   * {@link #register}, unless options were registered already in this process (by a command's Beam
   * options, or a test's server): what a command that runs no Beam job needs.
   */
  public static void registerUnlessRegistered(PipelineOptions options) {
    if (!registered) {
      register(options);
    }
  }

  /**
   * A pipeline whose options carry an id no earlier job had, so that every worker registers its
   * file systems afresh for it.
   *
   * <p>A worker re-registers Beam's file systems only when a job's options id (or revision) differs
   * from the last job's; Beam counts ids from 0 in each client process, and one options object may
   * serve several jobs (a stage's analyze and materialize jobs). Where Beam is shared by the jobs
   * of a Flink session cluster (Millrace in its {@code lib/}), a job would then keep the previous
   * job's S3 file system, whose thread pool carries that job's class loader, closed by Flink when
   * the job ended: its first S3 response failed with "Trying to access closed classloader".
   */
  public static Pipeline newPipeline(PipelineOptions options) {
    options.setOptionsId(JOB_IDS.nextLong() & Long.MAX_VALUE);
    return Pipeline.create(options);
  }

  private static final SecureRandom JOB_IDS = new SecureRandom();

  /**
   * Sets the S3 and HDFS options the environment gives, where the options do not set them
   * explicitly, and refuses a secret given as an option.
   *
   * @throws IllegalArgumentException for a secret in the options or a malformed endpoint
   */
  public static PipelineOptions configure(
      PipelineOptions options, Map<String, String> environment) {
    Set<String> given = explicitlySet(options);
    S3Options s3 = options.as(S3Options.class);
    refuseSecrets(s3, given);
    if (!given.contains("endpoint")) {
      AwsEnvironment.s3Endpoint(environment).ifPresent(s3::setEndpoint);
    }
    if (!given.contains("awsRegion")) {
      s3.setAwsRegion(Region.of(region(environment)));
    }
    if (!given.contains("s3ClientFactoryClass")) {
      s3.setS3ClientFactoryClass(S3Clients.class);
    }
    if (!given.contains("hdfsConfiguration")) {
      HadoopFileSystemOptions hdfs = options.as(HadoopFileSystemOptions.class);
      hdfs.setHdfsConfiguration(List.of(hdfsConfiguration(hdfs.getHdfsConfiguration())));
    }
    return options;
  }

  /**
   * Builds the S3 clients of {@link #configure}d options: Beam's, and for an S3-compatible store
   * (an overridden endpoint) addressing buckets path-style, as such a store seldom has a DNS name
   * per bucket, and sending only the headers S3 itself requires.
   */
  public static final class S3Clients implements S3ClientBuilderFactory {
    @Override
    public S3ClientBuilder createBuilder(S3Options options) {
      S3ClientBuilder builder =
          ClientBuilderFactory.getFactory(options).create(S3Client.builder(), options);
      if (options.getEndpoint() != null) {
        builder
            .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
            .overrideConfiguration(
                configuration -> configuration.addExecutionInterceptor(new OmitDefaultBucketKey()));
      }
      return builder;
    }
  }

  /**
   * Beam asks for every upload {@code x-amz-server-side-encryption-bucket-key-enabled: false}, the
   * default, a header S3-compatible stores do not all know (S3Proxy answers 501 NotImplemented).
   */
  private static final class OmitDefaultBucketKey implements ExecutionInterceptor {
    @Override
    public SdkRequest modifyRequest(
        Context.ModifyRequest context, ExecutionAttributes executionAttributes) {
      if (context.request() instanceof CreateMultipartUploadRequest upload
          && Boolean.FALSE.equals(upload.bucketKeyEnabled())) {
        return upload.toBuilder().bucketKeyEnabled((Boolean) null).build();
      }
      return context.request();
    }
  }

  /**
   * The Hadoop configuration of the registered options (for {@code hdfs://} paths); where nothing
   * was registered (a worker), the one {@code HADOOP_CONF_DIR} gives, any namenode in the URI.
   */
  static Configuration hadoop() {
    Configuration configured = hadoop;
    Configuration configuration =
        new Configuration(
            configured != null ? configured : hdfsConfiguration(List.of(new Configuration())));
    // FileContext (HDFS's atomic rename that refuses an existing target) needs the mapping that
    // core-default.xml gives, which a configuration built without defaults lacks.
    if (configuration.get("fs.AbstractFileSystem.hdfs.impl") == null) {
      configuration.set("fs.AbstractFileSystem.hdfs.impl", "org.apache.hadoop.fs.Hdfs");
    }
    return configuration;
  }

  // ---------------------------------------------------------------- file operations

  /** The files a pattern matches (none when nothing does), or why they cannot be listed. */
  public static List<MatchResult.Metadata> match(String pattern) throws StorageException {
    return run(
        "list",
        pattern,
        () -> {
          MatchResult result = FileSystems.match(pattern, EmptyMatchTreatment.ALLOW);
          if (result.status() == MatchResult.Status.NOT_FOUND) {
            return List.of();
          }
          return result.metadata();
        });
  }

  /**
   * Every object whose key starts with {@code prefix} ({@code scheme://bucket/key-prefix}), at any
   * depth, with its size and time; none when nothing lies under it.
   *
   * <p>On S3, with options {@link #use registered}, from the listing alone: one request per 1,000
   * keys. Beam's match of {@code prefix**} asks for each listed object's head as well (for its
   * content encoding), which made a directory of n files cost n + 1 requests (426 of the 803 S3
   * round trips of a push, measured). Elsewhere (a worker, where nothing is registered, or {@code
   * gs://}), Beam's match.
   */
  public static List<MatchResult.Metadata> listUnder(String prefix) throws StorageException {
    S3Direct s3 = s3Direct;
    if (s3 != null && prefix.startsWith(S3Direct.SCHEME)) {
      return run("list", prefix, () -> s3.under(prefix));
    }
    return match(prefix + "**");
  }

  /**
   * The object at {@code uri}, if there is one: on S3 with options registered, {@link #stat}'s one
   * listing (Beam's match asks for the object's head on a thread of its S3 file system's pool).
   */
  public static Optional<MatchResult.Metadata> object(String uri) throws StorageException {
    if (!asksDirectly(uri)) {
      return match(uri).stream().findFirst();
    }
    return stat(uri)
        .filter(Entry::isFile)
        .map(
            entry ->
                MatchResult.Metadata.builder()
                    .setResourceId(resource(uri))
                    .setSizeBytes(entry.sizeBytes())
                    .setLastModifiedMillis(entry.lastModifiedMillis())
                    .setIsReadSeekEfficient(true)
                    .build());
  }

  /** What lies at a key: an object, a prefix other objects lie under, or nothing. */
  public record Entry(boolean isFile, long sizeBytes, long lastModifiedMillis) {}

  /**
   * Whether {@link #stat} and {@link #openDirectly} serve {@code uri}: an {@code s3://} URI in a
   * process that {@link #use registered} options (not a worker, nor {@code gs://}).
   */
  public static boolean asksDirectly(String uri) {
    return s3Direct != null && uri.startsWith(S3Direct.SCHEME);
  }

  /**
   * What lies at {@code uri} ({@code s3://bucket/key}), in one request: a listing of the key as a
   * prefix, up to the next {@code /}, tells an object at the key from objects under {@code key/}
   * (an object's head, then a listing when there is none, took two). A prefix's time is unknown
   * (-1): it is the newest object's under it, which only a listing of all of them tells.
   *
   * @throws IllegalStateException unless {@link #asksDirectly}
   */
  public static Optional<Entry> stat(String uri) throws StorageException {
    return run("look up", uri, () -> direct(uri).stat(uri));
  }

  /**
   * Opens a file to read whole or from a position in one GET, its size from the response (Beam's
   * channel asks for the object's head first: a second round trip per file read); a move to another
   * position is a ranged GET.
   *
   * @throws NoSuchFileException when there is no object at the key
   * @throws IllegalStateException unless {@link #asksDirectly}
   */
  public static SeekableByteChannel openDirectly(String uri) throws IOException {
    S3Direct s3 = direct(uri);
    try {
      return run("read", uri, () -> s3.open(uri));
    } catch (StorageException e) {
      if (e.getCause() instanceof NoSuchKeyException) {
        throw new NoSuchFileException(uri);
      }
      throw e;
    }
  }

  private static S3Direct direct(String uri) {
    S3Direct s3 = s3Direct;
    if (s3 == null || !uri.startsWith(S3Direct.SCHEME)) {
      throw new IllegalStateException("not an s3:// URI with options registered: " + uri);
    }
    return s3;
  }

  /** S3 requests with a client of the registered options, built when first needed. */
  private static final class S3Direct {
    static final String SCHEME = "s3://";
    private static final int MAX_DELETE_OBJECTS = 1_000;
    private final S3Options options;
    private volatile S3Client client;

    S3Direct(S3Options options) {
      this.options = options;
    }

    List<MatchResult.Metadata> under(String prefix) {
      Key location = Key.of(prefix);
      List<MatchResult.Metadata> objects = new ArrayList<>();
      ListObjectsV2Request request =
          ListObjectsV2Request.builder().bucket(location.bucket()).prefix(location.key()).build();
      for (ListObjectsV2Response page : client().listObjectsV2Paginator(request)) {
        for (S3Object object : page.contents()) {
          objects.add(
              MatchResult.Metadata.builder()
                  .setResourceId(resource(SCHEME + location.bucket() + "/" + object.key()))
                  .setSizeBytes(object.size())
                  .setLastModifiedMillis(object.lastModified().toEpochMilli())
                  .setIsReadSeekEfficient(true)
                  .build());
        }
      }
      return objects;
    }

    Optional<Entry> stat(String uri) {
      Key location = Key.of(uri);
      String directory = location.key() + "/";
      ListObjectsV2Request request =
          ListObjectsV2Request.builder()
              .bucket(location.bucket())
              .prefix(location.key())
              .delimiter("/")
              .build();
      // Keys sort bytewise, so siblings such as key-1 or key.json may come first: read on until
      // the key and its prefix are passed.
      for (ListObjectsV2Response page : client().listObjectsV2Paginator(request)) {
        for (S3Object object : page.contents()) {
          if (object.key().equals(location.key())) {
            return Optional.of(
                new Entry(true, object.size(), object.lastModified().toEpochMilli()));
          }
        }
        for (CommonPrefix common : page.commonPrefixes()) {
          if (common.prefix().equals(directory)) {
            return Optional.of(new Entry(false, 0, -1));
          }
        }
      }
      return Optional.empty();
    }

    SeekableByteChannel open(String uri) {
      Key location = Key.of(uri);
      ResponseInputStream<GetObjectResponse> first = get(location, 0);
      long size = first.response().contentLength();
      ReadableByteChannel[] current = {Channels.newChannel(first)};
      ReadableByteChannel reading =
          new ReadableByteChannel() {
            @Override
            public int read(ByteBuffer destination) throws IOException {
              return current[0].read(destination);
            }

            @Override
            public boolean isOpen() {
              return current[0].isOpen();
            }

            @Override
            public void close() throws IOException {
              current[0].close();
            }
          };
      return UriChannels.reading(
          reading,
          size,
          position -> {
            current[0].close();
            current[0] =
                position >= size
                    ? Channels.newChannel(InputStream.nullInputStream())
                    : Channels.newChannel(get(location, position));
          });
    }

    /**
     * Copies an object in one request, with the options' storage class and encryption as Beam's S3
     * file system copies (its copy asks for the source's head first).
     *
     * @return false when the object is too large for one copy request (5 GB), copying nothing
     */
    boolean copy(String fromUri, String toUri) {
      Key from = Key.of(fromUri);
      Key to = Key.of(toUri);
      SSECustomerKey customerKey = options.getSSECustomerKey();
      CopyObjectRequest.Builder request =
          CopyObjectRequest.builder()
              .sourceBucket(from.bucket())
              .sourceKey(from.key())
              .destinationBucket(to.bucket())
              .destinationKey(to.key())
              .storageClass(options.getS3StorageClass())
              .serverSideEncryption(options.getSSEAlgorithm())
              .ssekmsKeyId(options.getSSEKMSKeyId());
      if (customerKey != null && customerKey.getKey() != null) {
        request
            .sseCustomerKey(customerKey.getKey())
            .sseCustomerAlgorithm(customerKey.getAlgorithm())
            .sseCustomerKeyMD5(customerKey.getMD5())
            .copySourceSSECustomerKey(customerKey.getKey())
            .copySourceSSECustomerAlgorithm(customerKey.getAlgorithm())
            .copySourceSSECustomerKeyMD5(customerKey.getMD5());
      }
      try {
        client().copyObject(request.build());
        return true;
      } catch (S3Exception e) {
        if (e.statusCode() == 400 && "InvalidRequest".equals(errorCode(e))) {
          return false; // larger than one copy request takes: Beam copies it in parts
        }
        throw e;
      }
    }

    /** Deletes objects, up to 1,000 per request and bucket; a missing one is no error. */
    void delete(List<String> uris) {
      Map<String, List<ObjectIdentifier>> byBucket = new LinkedHashMap<>();
      for (String uri : uris) {
        Key key = Key.of(uri);
        byBucket
            .computeIfAbsent(key.bucket(), b -> new ArrayList<>())
            .add(ObjectIdentifier.builder().key(key.key()).build());
      }
      for (Map.Entry<String, List<ObjectIdentifier>> bucket : byBucket.entrySet()) {
        List<ObjectIdentifier> keys = bucket.getValue();
        for (int from = 0; from < keys.size(); from += MAX_DELETE_OBJECTS) {
          List<ObjectIdentifier> batch =
              keys.subList(from, Math.min(keys.size(), from + MAX_DELETE_OBJECTS));
          DeleteObjectsResponse response =
              client()
                  .deleteObjects(
                      DeleteObjectsRequest.builder()
                          .bucket(bucket.getKey())
                          .delete(Delete.builder().objects(batch).quiet(true).build())
                          .build());
          if (response.hasErrors() && !response.errors().isEmpty()) {
            S3Error first = response.errors().get(0);
            throw new UncheckedIOException(
                new IOException(
                    response.errors().size()
                        + " of "
                        + batch.size()
                        + " objects were not deleted, the first s3://"
                        + bucket.getKey()
                        + "/"
                        + first.key()
                        + ": "
                        + first.code()
                        + " "
                        + first.message()));
          }
        }
      }
    }

    private static String errorCode(S3Exception e) {
      return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }

    private ResponseInputStream<GetObjectResponse> get(Key location, long from) {
      GetObjectRequest.Builder request =
          GetObjectRequest.builder().bucket(location.bucket()).key(location.key());
      if (from > 0) {
        request.range("bytes=" + from + "-");
      }
      return client().getObject(request.build());
    }

    private S3Client client() {
      S3Client built = client;
      if (built == null) {
        built = CLIENTS.computeIfAbsent(clientSettings(options), settings -> build(options));
        client = built;
      }
      return built;
    }

    /**
     * The client the options' own {@link S3Options#getS3ClientFactoryClass factory} builds, as
     * Beam's S3 file system does ({@link S3Clients} unless a user names another).
     */
    private static S3Client build(S3Options options) {
      CLIENTS_BUILT.incrementAndGet();
      return InstanceBuilder.ofType(S3ClientBuilderFactory.class)
          .fromClass(options.getS3ClientFactoryClass())
          .build()
          .createBuilder(options)
          .build();
    }

    /**
     * What tells one client from another: every job registers options of its own, and a client per
     * registration kept a connection pool per job open in a long-running process (the scheduler).
     */
    private static String clientSettings(S3Options options) {
      return String.join(
          "\n",
          options.getS3ClientFactoryClass().getName(),
          String.valueOf(options.getEndpoint()),
          String.valueOf(options.getAwsRegion()),
          String.valueOf(options.getAwsCredentialsProvider()),
          String.valueOf(options.getProxyConfiguration()),
          String.valueOf(options.getHttpClientConfiguration()));
    }
  }

  /** The direct S3 clients of this process, one per distinct client configuration, never closed. */
  private static final Map<String, S3Client> CLIENTS = new ConcurrentHashMap<>();

  private static final AtomicInteger CLIENTS_BUILT = new AtomicInteger();

  /** How many direct S3 clients this process has built. */
  static int directS3ClientsBuilt() {
    return CLIENTS_BUILT.get();
  }

  /** A bucket and a key, split by hand: a key may hold characters a java.net.URI refuses. */
  private record Key(String bucket, String key) {
    static Key of(String uri) {
      String location = uri.substring(S3Direct.SCHEME.length());
      int slash = location.indexOf('/');
      return slash < 0
          ? new Key(location, "")
          : new Key(location.substring(0, slash), location.substring(slash + 1));
    }
  }

  /** Opens a file to read. */
  public static ReadableByteChannel open(String uri) throws StorageException {
    return run("read", uri, () -> FileSystems.open(FileSystems.matchNewResource(uri, false)));
  }

  /** Creates (or replaces) a file to write; the object appears when the channel is closed. */
  public static WritableByteChannel create(String uri) throws StorageException {
    return run(
        "write",
        uri,
        () ->
            FileSystems.create(
                FileSystems.matchNewResource(uri, false), "application/octet-stream"));
  }

  /**
   * Copies a file. On S3 with options registered, in one request on the calling thread: Beam's S3
   * file system copies and deletes on a pool of threads of its own, one pool per registration
   * (every job registers again), whose threads never end: a TaskManager gained about 150 threads
   * per taxi pipeline, each holding its job's class loader.
   */
  public static void copy(String from, String to) throws StorageException {
    run(
        "copy",
        from + " to " + to,
        from,
        () -> {
          if (!asksDirectly(from) || !asksDirectly(to) || !direct(from).copy(from, to)) {
            FileSystems.copy(List.of(resource(from)), List.of(resource(to)));
          }
          return null;
        });
  }

  /** Moves a file; on an object store, a copy then a delete, so not atomic. */
  public static void rename(String from, String to) throws StorageException {
    if (asksDirectly(from) && asksDirectly(to)) {
      copy(from, to);
      delete(List.of(from));
      return;
    }
    run(
        "rename",
        from + " to " + to,
        from,
        () -> {
          FileSystems.rename(List.of(resource(from)), List.of(resource(to)));
          return null;
        });
  }

  /** Deletes files; one already gone is not an error. */
  public static void delete(List<String> uris) throws StorageException {
    String named = uris.size() == 1 ? uris.get(0) : uris.size() + " files from " + uris.get(0);
    run(
        "delete",
        named,
        uris.isEmpty() ? "" : uris.get(0),
        () -> {
          if (!uris.isEmpty() && uris.stream().allMatch(Storage::asksDirectly)) {
            direct(uris.get(0)).delete(uris);
            return null;
          }
          List<ResourceId> resources = new ArrayList<>();
          for (String uri : uris) {
            resources.add(resource(uri));
          }
          FileSystems.delete(resources, MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
          return null;
        });
  }

  private static ResourceId resource(String uri) {
    return FileSystems.matchNewResource(uri, false);
  }

  private interface Operation<T> {
    T run() throws IOException;
  }

  private static <T> T run(String operation, String uri, Operation<T> body)
      throws StorageException {
    return run(operation, uri, uri, body);
  }

  private static <T> T run(String operation, String what, String uri, Operation<T> body)
      throws StorageException {
    try {
      return body.run();
    } catch (IOException | RuntimeException e) {
      throw new StorageException(
          "cannot " + operation + " " + what + ": " + StorageFailures.reason(uri, e), e);
    }
  }

  // ---------------------------------------------------------------- configuration

  /** The options set explicitly: Beam puts exactly those into the options' display data. */
  private static Set<String> explicitlySet(PipelineOptions options) {
    return DisplayData.from(options).items().stream()
        .map(DisplayData.Item::getKey)
        .collect(Collectors.toSet());
  }

  /**
   * A static key pair in the options would travel with every job's serialized options to every
   * worker and show in its options: keys come from the environment, a profile or a role instead.
   */
  private static void refuseSecrets(S3Options options, Set<String> given) {
    if (given.contains("awsCredentialsProvider")) {
      AwsCredentialsProvider provider = options.getAwsCredentialsProvider();
      if (provider instanceof StaticCredentialsProvider) {
        throw new IllegalArgumentException(
            "--awsCredentialsProvider holds a secret key, which would be stored with every job's"
                + " options; give the key as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name"
                + " a profile (AWS_PROFILE) or a role instead");
      }
    }
    if (given.contains("proxyConfiguration")
        && options.getProxyConfiguration() != null
        && options.getProxyConfiguration().password() != null) {
      throw new IllegalArgumentException(
          "--proxyConfiguration holds a password, which would be stored with every job's options;"
              + " use a proxy that needs none from the workers");
    }
  }

  /** The region as the AWS tools find it, without asking the EC2 instance metadata service. */
  static String region(Map<String, String> environment) {
    String property = System.getProperty("aws.region");
    if (property != null && !property.isBlank()) {
      return property.trim();
    }
    return AwsEnvironment.first(environment, "AWS_REGION", "AWS_DEFAULT_REGION")
        .or(() -> profileRegion(environment))
        .orElse(AwsEnvironment.DEFAULT_REGION);
  }

  private static Optional<String> profileRegion(Map<String, String> environment) {
    String file = environment.get("AWS_CONFIG_FILE");
    Path config =
        file != null && !file.isBlank()
            ? Paths.get(file)
            : Paths.get(System.getProperty("user.home"), ".aws", "config");
    if (!Files.isRegularFile(config)) {
      return Optional.empty();
    }
    String profile = System.getProperty("aws.profile", environment.get("AWS_PROFILE"));
    String name = profile != null && !profile.isBlank() ? profile.trim() : "default";
    return ProfileFile.builder()
        .content(config)
        .type(ProfileFile.Type.CONFIGURATION)
        .build()
        .profile(name)
        .flatMap(p -> p.property(ProfileProperty.REGION));
  }

  /**
   * Beam registers a Hadoop file system for the scheme of {@code fs.defaultFS} only; a default of
   * {@code hdfs:///} registers {@code hdfs} for URIs naming their namenode. A local default ({@code
   * file:}) would clash with Beam's own local file system.
   */
  private static Configuration hdfsConfiguration(List<Configuration> located) {
    Configuration configuration =
        located == null || located.isEmpty()
            ? new Configuration(false)
            : new Configuration(located.get(0));
    String defaultFs = configuration.get("fs.defaultFS");
    String scheme = defaultFs == null ? null : URI.create(defaultFs).getScheme();
    if (scheme == null || "file".equals(scheme)) {
      configuration.set("fs.defaultFS", HDFS_ANY_NAMENODE);
    }
    return configuration;
  }
}
