package io.millrace.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives JUnit 5 tests real storage servers as parameters ({@link S3Server}, {@link HdfsCluster},
 * {@link PostgresServer}), each started on first use and shared by the test class, then stopped
 * after its last test (in-process close, or by the PID it started) and its folder deleted. A test
 * needing PostgreSQL where its binaries are not installed is reported skipped, with the reason.
 * Start times go to the test report ({@code startMillis} entries) and the output.
 *
 * <pre>{@code
 * @ExtendWith(StorageServers.class)
 * class OnS3Test {
 *   @Test
 *   void writesAndReads(S3Server s3) { ... }
 * }
 * }</pre>
 */
public final class StorageServers implements ParameterResolver, ExecutionCondition {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(StorageServers.class);

  /** A test needing PostgreSQL is skipped, with the reason, where its binaries are missing. */
  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    boolean needsPostgres =
        context.getTestMethod().stream()
            .flatMap(method -> Arrays.stream(method.getParameterTypes()))
            .anyMatch(type -> type == PostgresServer.class);
    if (needsPostgres && PostgresServer.binaries().isEmpty()) {
      return ConditionEvaluationResult.disabled(PostgresServer.NOT_INSTALLED);
    }
    return ConditionEvaluationResult.enabled("its servers can start");
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == S3Server.class || type == HdfsCluster.class || type == PostgresServer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    ExtensionContext classContext = classContext(context);
    Running running =
        classContext
            .getStore(NAMESPACE)
            .getOrComputeIfAbsent(type, t -> start(type, classContext), Running.class);
    return running.server;
  }

  private static ExtensionContext classContext(ExtensionContext context) {
    ExtensionContext c = context;
    while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
      c = c.getParent().get();
    }
    return c;
  }

  private static Running start(Class<?> type, ExtensionContext context) {
    Path directory = null;
    try {
      directory = Files.createTempDirectory("millrace-" + type.getSimpleName());
      Started started = startIn(type, directory);
      context.publishReportEntry(
          type.getSimpleName() + ".startMillis", Long.toString(started.millis()));
      System.out.println(type.getSimpleName() + " started in " + started.millis() + " ms");
      return new Running(started.server(), directory);
    } catch (Exception e) {
      try {
        if (directory != null) {
          deleteRecursively(directory);
        }
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw new IllegalStateException("cannot start " + type.getSimpleName() + ": " + e, e);
    }
  }

  private record Started(AutoCloseable server, long millis) {}

  private static Started startIn(Class<?> type, Path directory) throws Exception {
    if (type == S3Server.class) {
      S3Server s3 = S3Server.start(directory);
      return new Started(s3, s3.startMillis());
    }
    if (type == HdfsCluster.class) {
      HdfsCluster hdfs = HdfsCluster.start(directory);
      return new Started(hdfs, hdfs.startMillis());
    }
    PostgresServer postgres = PostgresServer.start(directory);
    return new Started(postgres, postgres.startMillis());
  }

  /** A started server; JUnit closes it with the class's context. */
  private record Running(AutoCloseable server, Path directory)
      implements ExtensionContext.Store.CloseableResource {
    @Override
    public void close() throws Throwable {
      try {
        server.close();
      } finally {
        deleteRecursively(directory);
      }
    }
  }

  static void deleteRecursively(Path directory) throws IOException {
    if (!Files.exists(directory)) {
      return;
    }
    try (var paths = Files.walk(directory)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
