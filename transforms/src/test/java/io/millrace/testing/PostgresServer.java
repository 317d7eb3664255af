package io.millrace.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server from the machine's binaries (Debian's {@code postgresql} package: {@code
 * /usr/lib/postgresql/VERSION/bin}, or the folder named by {@code -Dmillrace.postgres.bin}): {@code
 * initdb} on a fresh folder, then {@code pg_ctl start} on 127.0.0.1 and a free port, TCP only, no
 * password (trust), fsync off (the data dies with the test). Stopped by {@code pg_ctl stop}, or by
 * the PID in {@code postmaster.pid} if that fails. PostgreSQL refuses to run as root: as root the
 * server runs as the {@code postgres} user the package creates.
 */
public final class PostgresServer implements AutoCloseable {
  /** Why a test needing the server cannot run here. */
  public static final String NOT_INSTALLED =
      "PostgreSQL's initdb and pg_ctl are not installed (looked in /usr/lib/postgresql/*/bin and"
          + " -Dmillrace.postgres.bin); on Debian: apt-get install postgresql";

  private static final String USER = "millrace";
  private static final String SERVICE_USER = "postgres";
  private static final long TIMEOUT_SECONDS = 60;
  private static final int PORT_ATTEMPTS = 3;

  private final Path bin;
  private final Path data;
  private final int port;
  private final long pid;
  private final boolean asServiceUser;
  private final long startMillis;

  private PostgresServer(
      Path bin, Path data, int port, long pid, boolean asServiceUser, long startMillis) {
    this.bin = bin;
    this.data = data;
    this.port = port;
    this.pid = pid;
    this.asServiceUser = asServiceUser;
    this.startMillis = startMillis;
  }

  /** The folder holding {@code initdb} and {@code pg_ctl}, if PostgreSQL is installed. */
  public static Optional<Path> binaries() {
    String configured = System.getProperty("millrace.postgres.bin");
    if (configured != null && !configured.isBlank()) {
      return Optional.of(Paths.get(configured)).filter(PostgresServer::hasServerBinaries);
    }
    Path versions = Paths.get("/usr/lib/postgresql");
    if (!Files.isDirectory(versions)) {
      return Optional.empty();
    }
    try (Stream<Path> installed = Files.list(versions)) {
      return installed
          .map(version -> version.resolve("bin"))
          .filter(PostgresServer::hasServerBinaries)
          .max(Comparator.comparing(PostgresServer::majorVersion));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static boolean hasServerBinaries(Path bin) {
    return Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("pg_ctl"));
  }

  private static int majorVersion(Path bin) {
    try {
      return Integer.parseInt(bin.getParent().getFileName().toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Creates a cluster under {@code directory} and starts its server. */
  public static PostgresServer start(Path directory) throws IOException, InterruptedException {
    long started = System.nanoTime();
    Path bin =
        binaries()
            .orElseThrow(
                () -> new IllegalStateException("PostgreSQL's binaries are not installed"));
    boolean asServiceUser = "root".equals(System.getProperty("user.name"));
    Path data = directory.toAbsolutePath().resolve("data");
    Files.createDirectories(data);
    if (asServiceUser) {
      // The service user must reach its folder through ours (temporary folders are rwx------).
      Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
      UserPrincipalLookupService users = directory.getFileSystem().getUserPrincipalLookupService();
      Files.setOwner(data, users.lookupPrincipalByName(SERVICE_USER));
    }
    run(
        asServiceUser,
        bin.resolve("initdb").toString(),
        "--pgdata=" + data,
        "--username=" + USER,
        "--auth=trust",
        "--encoding=UTF8",
        "--locale=C",
        "--no-sync",
        "--no-instructions");
    IOException lastFailure = null;
    for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      int port = freePort();
      Files.writeString(
          data.resolve("postgresql.auto.conf"),
          String.join(
              "\n",
              "listen_addresses = '127.0.0.1'",
              "port = " + port,
              "unix_socket_directories = ''",
              "fsync = off",
              "synchronous_commit = off",
              "full_page_writes = off",
              ""),
          StandardCharsets.UTF_8);
      try {
        run(
            asServiceUser,
            bin.resolve("pg_ctl").toString(),
            "--pgdata=" + data,
            "--log=" + data.resolve("server.log"),
            "--wait",
            "--timeout=" + TIMEOUT_SECONDS,
            "start");
        long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
        return new PostgresServer(
            bin, data, port, pid, asServiceUser, (System.nanoTime() - started) / 1_000_000);
      } catch (IOException e) {
        // Another process may have taken the port between choosing and binding it.
        lastFailure = e;
        if (!serverLog(data).contains("could not bind")) {
          throw e;
        }
      }
    }
    throw lastFailure;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String serverLog(Path data) {
    try {
      return Files.readString(data.resolve("server.log"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** A database of the server, by name: {@code postgres} exists; {@link #createDatabase} more. */
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=" + USER;
  }

  /** Creates a database and returns its JDBC URL. */
  public String createDatabase(String name) throws IOException, InterruptedException {
    if (!name.matches("[a-z][a-z0-9_]*")) {
      throw new IllegalArgumentException("not a plain database name: " + name);
    }
    run(
        false,
        bin.resolve("psql").toString(),
        "--host=127.0.0.1",
        "--port=" + port,
        "--username=" + USER,
        "--dbname=postgres",
        "--quiet",
        "--command=CREATE DATABASE " + name);
    return jdbcUrl(name);
  }

  public int port() {
    return port;
  }

  /** The server process's PID, from {@code postmaster.pid}. */
  public long pid() {
    return pid;
  }

  public long startMillis() {
    return startMillis;
  }

  @Override
  public void close() throws IOException, InterruptedException {
    try {
      run(
          asServiceUser,
          bin.resolve("pg_ctl").toString(),
          "--pgdata=" + data,
          "--mode=fast",
          "--wait",
          "--timeout=" + TIMEOUT_SECONDS,
          "stop");
    } finally {
      // Only if pg_ctl could not stop it: the PID is the server this object started.
      Optional<ProcessHandle> server = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
      if (server.isPresent()) {
        server.get().destroyForcibly();
        try {
          server.get().onExit().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
          throw new IOException("PostgreSQL (pid " + pid + ") did not stop", e);
        }
      }
    }
  }

  /** Runs a PostgreSQL program to its end; its output becomes the error if it fails. */
  private static void run(boolean asServiceUser, String... command)
      throws IOException, InterruptedException {
    List<String> line = new ArrayList<>();
    if (asServiceUser) {
      line.addAll(List.of("runuser", "-u", SERVICE_USER, "--"));
    }
    line.addAll(List.of(command));
    Process process = new ProcessBuilder(line).redirectErrorStream(true).start();
    process.getOutputStream().close();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException(
          String.join(" ", line) + " did not finish in " + TIMEOUT_SECONDS + " s");
    }
    if (process.exitValue() != 0) {
      throw new IOException(
          String.join(" ", line)
              + " failed ("
              + process.exitValue()
              + "): "
              + new String(output, StandardCharsets.UTF_8).trim());
    }
  }
}
