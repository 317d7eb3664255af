package io.millrace.schema;

import com.google.protobuf.TextFormat;
import io.millrace.tfmd.Schema;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Reads and writes {@code schema.pbtxt}: a TensorFlow Metadata {@link Schema} in protobuf text
 * format, the file TFDV's {@code write_schema_text}/{@code load_schema_text} and TFX's SchemaGen
 * and ImportSchemaGen use, so schemas move between Millrace and TFDV unchanged.
 *
 * <p>What {@link #write} writes is exactly {@link #toText}: a one-line {@code #} comment naming the
 * format, then the text format of the message. Writing is deterministic, so a curated schema that
 * is read and written again differs only where the message changed, and diffs stay reviewable.
 * Comments a curator adds are not kept: the text format parser discards them, as TFDV's does.
 */
public final class SchemaFiles {
  /** The first line of every schema file Millrace writes. */
  public static final String HEADER =
      "# TensorFlow Metadata Schema (protobuf text format), written by Millrace.\n";

  private static final TextFormat.Printer PRINTER = TextFormat.printer().escapingNonAscii(false);

  private SchemaFiles() {}

  /** The text {@link #write} puts in a file. */
  public static String toText(Schema schema) {
    return HEADER + PRINTER.printToString(schema);
  }

  /** Parses schema text; {@code #} comments are allowed anywhere. */
  public static Schema parse(String text) throws TextFormat.ParseException {
    Schema.Builder builder = Schema.newBuilder();
    TextFormat.getParser().merge(text, builder);
    return builder.build();
  }

  public static Schema read(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    try {
      return parse(text);
    } catch (TextFormat.ParseException e) {
      throw new IOException("not a schema in text format: " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes the schema atomically: into a temporary file beside the target, then moved over it, so
   * that a reader (or a crash) never sees a half-written schema.
   */
  public static void write(Schema schema, Path file) throws IOException {
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    Files.createDirectories(dir);
    Path temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
    try {
      Files.writeString(temp, toText(schema), StandardCharsets.UTF_8);
      try {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
