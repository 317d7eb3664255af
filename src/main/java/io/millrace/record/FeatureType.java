package io.millrace.record;

/**
 * The value type of a feature: the three kinds of list a {@code tf.Example} feature can hold.
 *
 * <p>Names follow TensorFlow Metadata's {@code FeatureType} so that statistics and schemas map onto
 * it one to one. {@link #FLOAT} values are held as Java {@code double}, wider than {@code
 * tf.Example}'s float32, so that CSV, Avro and Parquet doubles are not rounded on ingestion.
 */
public enum FeatureType {
  /** 64-bit signed integers. Booleans, dates and timestamps are ingested as integers. */
  INT,
  /** Floating point numbers, held as {@code double}. */
  FLOAT,
  /** Byte strings; text is UTF-8. */
  BYTES
}
