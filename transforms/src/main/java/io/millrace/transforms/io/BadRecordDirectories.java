package io.millrace.transforms.io;

import io.millrace.artifact.StoragePaths;
import java.io.Serializable;
import java.util.List;

/**
 * Where a fused read writes what it cannot read: {@code dead-letter/} (one JSON line per record
 * that could not be read: file, record, field, reason) and {@code .damaged-files/} (one JSON line
 * per part of a file that could not be read at all, with the records it lost), under one directory.
 * The launcher counts and lists them once the pipeline is done.
 */
public record BadRecordDirectories(String deadLetters, String damages) implements Serializable {
  public static final String DEAD_LETTER_DIR = "dead-letter";

  /** Read by the launcher into the manifest, then deleted. */
  public static final String DAMAGE_DIR = ".damaged-files";

  public static BadRecordDirectories under(String directory) {
    return new BadRecordDirectories(
        StoragePaths.of(directory).resolve(DEAD_LETTER_DIR).toString(),
        StoragePaths.of(directory).resolve(DAMAGE_DIR).toString());
  }

  public List<String> both() {
    return List.of(deadLetters, damages);
  }
}
