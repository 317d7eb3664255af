package io.millrace.metadata;

import io.millrace.artifact.NoSpaceLeft;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The metadata store's one JDBC connection: transactions, statements with parameters, and failures
 * in words.
 *
 * <p>Threads share it: {@link #transaction} and {@link #autoCommitted} hold its monitor while their
 * work runs, and the statement methods ({@link #execute}, {@link #prepare}, {@link #update}, {@link
 * #insert}, {@link #queryLongs}) are only called from such work.
 */
final class Jdbc implements AutoCloseable {
  private static final String SQLITE = "jdbc:sqlite:";
  private static final int SQLITE_BUSY_TIMEOUT_MS = 30_000;

  /** Work on the connection, which may throw the driver's exceptions. */
  @FunctionalInterface
  interface SqlWork<T> {
    T run() throws SQLException;
  }

  private final Connection connection;
  private final String url;

  private Jdbc(Connection connection, String url) {
    this.connection = connection;
    this.url = url;
  }

  /**
   * Connects to a JDBC URL. A {@code jdbc:sqlite:} URL gets WAL mode, a busy timeout, foreign keys
   * and immediate transactions.
   */
  static Jdbc connect(String url) {
    Properties properties = new Properties();
    if (url.startsWith(SQLITE)) {
      properties.setProperty("journal_mode", "WAL");
      properties.setProperty("busy_timeout", Integer.toString(SQLITE_BUSY_TIMEOUT_MS));
      properties.setProperty("foreign_keys", "true");
      // In WAL mode, NORMAL never corrupts the file; a power cut may lose the last commits, which
      // at worst makes a stage run again.
      properties.setProperty("synchronous", "NORMAL");
      // A deferred transaction that reads then writes fails at once with SQLITE_BUSY when another
      // connection wrote meanwhile; an immediate one waits for the busy timeout instead.
      properties.setProperty("transaction_mode", "IMMEDIATE");
    }
    try {
      return new Jdbc(DriverManager.getConnection(url, properties), url);
    } catch (SQLException e) {
      throw failure(url, "cannot open the metadata store " + url, e);
    }
  }

  String url() {
    return url;
  }

  boolean sqlite() {
    return url.startsWith(SQLITE);
  }

  @Override
  public synchronized void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      throw failure(url, url + ": closing", e);
    }
  }

  /**
   * Runs the work in one transaction, rolled back if it throws; nested calls join the outer one.
   *
   * @param what the operation, for the failure's message
   */
  synchronized <T> T transaction(String what, SqlWork<T> work) {
    try {
      if (!connection.getAutoCommit()) {
        return work.run();
      }
      connection.setAutoCommit(false);
      try {
        T result = work.run();
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        try {
          connection.rollback();
        } catch (SQLException rollback) {
          e.addSuppressed(rollback);
        }
        throw e;
      } finally {
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw failure(url, url + ": " + what, e);
    }
  }

  /**
   * Runs the work with each statement committed on its own: for work that must go on after a
   * statement failed, which a PostgreSQL transaction refuses.
   */
  synchronized <T> T autoCommitted(String what, SqlWork<T> work) {
    try {
      return work.run();
    } catch (SQLException e) {
      throw failure(url, url + ": " + what, e);
    }
  }

  /**
   * The store's failure in words. A write to an SQLite file on a full disk says so and where,
   * whatever SQLite reported (often only "cannot commit - no transaction is active").
   */
  private static MetadataStoreException failure(String url, String doing, SQLException e) {
    Path directory = sqliteDirectory(url);
    if (directory != null && NoSpaceLeft.explains(e, directory)) {
      return new MetadataStoreException(
          doing + ": " + NoSpaceLeft.at(directory, e).getMessage(), e);
    }
    return new MetadataStoreException(doing + ": " + e.getMessage(), e);
  }

  /** The directory of an SQLite store's file, or null for another database or an in-memory one. */
  private static Path sqliteDirectory(String url) {
    if (!url.startsWith(SQLITE)) {
      return null;
    }
    String file = url.substring(SQLITE.length());
    int query = file.indexOf('?');
    file = query >= 0 ? file.substring(0, query) : file;
    if (file.isEmpty() || file.startsWith(":memory:") || file.startsWith("file:")) {
      return null;
    }
    return Path.of(file).toAbsolutePath().getParent();
  }

  /** A statement with its parameters bound: null, a number (as BIGINT) or a string. */
  PreparedStatement prepare(String sql, Object... args) throws SQLException {
    PreparedStatement statement = connection.prepareStatement(sql);
    bind(statement, args);
    return statement;
  }

  private static void bind(PreparedStatement statement, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      Object arg = args[i];
      if (arg == null) {
        // Untyped, so that PostgreSQL accepts it for a column of any type.
        statement.setNull(i + 1, Types.NULL);
      } else if (arg instanceof Long || arg instanceof Integer) {
        statement.setLong(i + 1, ((Number) arg).longValue());
      } else {
        statement.setString(i + 1, (String) arg);
      }
    }
  }

  /** Runs a statement without parameters, such as DDL. */
  void execute(String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  /** Runs an INSERT, UPDATE or DELETE; the number of rows it changed. */
  int update(String sql, Object... args) throws SQLException {
    try (PreparedStatement statement = prepare(sql, args)) {
      return statement.executeUpdate();
    }
  }

  /** Runs an INSERT into a table with a generated {@code id}; the id of the new row. */
  long insert(String sql, Object... args) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql, new String[] {"id"})) {
      bind(statement, args);
      statement.executeUpdate();
      try (ResultSet keys = statement.getGeneratedKeys()) {
        if (!keys.next()) {
          throw new SQLException("the database returned no generated id for: " + sql);
        }
        return keys.getLong(1);
      }
    }
  }

  /** The first column of every row a query returns, as longs. */
  List<Long> queryLongs(String sql, Object... args) throws SQLException {
    List<Long> values = new ArrayList<>();
    try (PreparedStatement statement = prepare(sql, args)) {
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          values.add(rows.getLong(1));
        }
      }
    }
    return values;
  }
}
