package io.millrace.metadata;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Opens the store the tests run on: an SQLite file by default; with {@code
 * -Dmillrace.metadata.testJdbcUrl=jdbc:postgresql://host:port/db?user=...} (and the driver on the
 * test classpath, {@code -Dmaven.test.additionalClasspath=.../postgresql.jar}), a schema of that
 * database named after the file, so the same tests prove the SQL portable.
 */
final class TestStores {
  private static final String URL = System.getProperty("millrace.metadata.testJdbcUrl", "");

  private TestStores() {}

  static boolean sqlite() {
    return URL.isEmpty();
  }

  static MetadataStore open(Path file) {
    if (sqlite()) {
      return MetadataStore.openSqlite(file);
    }
    String schema =
        "t" + Integer.toHexString(file.toAbsolutePath().normalize().toString().hashCode());
    try (Connection connection = DriverManager.getConnection(URL);
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create schema " + schema + " at " + URL, e);
    }
    return MetadataStore.open(URL + (URL.contains("?") ? "&" : "?") + "currentSchema=" + schema);
  }
}
