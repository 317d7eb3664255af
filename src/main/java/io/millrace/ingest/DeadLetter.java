package io.millrace.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.util.Objects;

/**
 * An input record that could not be ingested, with where it came from and why.
 *
 * <p>Every input record that is read ends up either as an example or as exactly one dead letter. A
 * part of a file that cannot be read at all (a truncated GZIP stream, a cut-off TFRecord, a corrupt
 * Parquet page) is not a dead letter but a {@link FileDamage} counting the records it lost, so that
 * records in = examples + dead letters + records lost.
 */
public final class DeadLetter implements Serializable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final long serialVersionUID = 1L;
  private static final int MAX_RAW_CHARS = 1000;

  private final String source;
  private final long recordNumber;
  private final String field;
  private final String reason;
  private final String raw;

  private DeadLetter(String source, long recordNumber, String field, String reason, String raw) {
    this.source = Objects.requireNonNull(source);
    this.recordNumber = recordNumber;
    this.field = field;
    this.reason = Objects.requireNonNull(reason);
    this.raw = raw == null || raw.length() <= MAX_RAW_CHARS ? raw : raw.substring(0, MAX_RAW_CHARS);
  }

  /**
   * @param source the file the record came from
   * @param recordNumber 1-based position of the record in the file (for CSV the line on which the
   *     record starts; for the other formats the record's ordinal)
   * @param field the feature or column at fault, or null when it is not one field's fault
   * @param reason what is wrong, in words a user can act on
   * @param raw the record's text or a description of it (cut to 1000 characters), or null
   */
  public static DeadLetter of(
      String source, long recordNumber, String field, String reason, String raw) {
    return new DeadLetter(source, recordNumber, field, reason, raw);
  }

  public String source() {
    return source;
  }

  public long recordNumber() {
    return recordNumber;
  }

  /** The field at fault, or null. */
  public String field() {
    return field;
  }

  public String reason() {
    return reason;
  }

  /** The record's raw text (cut to 1000 characters), or null. */
  public String raw() {
    return raw;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof DeadLetter)) {
      return false;
    }
    DeadLetter d = (DeadLetter) o;
    return source.equals(d.source)
        && recordNumber == d.recordNumber
        && Objects.equals(field, d.field)
        && reason.equals(d.reason)
        && Objects.equals(raw, d.raw);
  }

  @Override
  public int hashCode() {
    return Objects.hash(source, recordNumber, field, reason, raw);
  }

  @Override
  public String toString() {
    return source
        + (recordNumber > 0 ? " record " + recordNumber : "")
        + (field != null ? " field '" + field + "'" : "")
        + ": "
        + reason;
  }

  /** One line of a dead-letter file: source, record, field, reason and raw text as JSON. */
  public String toJson() {
    ObjectNode node = JSON.createObjectNode();
    node.put("source", source);
    node.put("record", recordNumber);
    node.put("field", field);
    node.put("reason", reason);
    node.put("raw", raw);
    return node.toString();
  }
}
