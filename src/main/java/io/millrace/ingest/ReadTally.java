package io.millrace.ingest;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What reading an input came to: examples, dead letters, and the damaged files with the records
 * they lost. Records in = examples + dead letters + records lost.
 */
public record ReadTally(long examples, long deadLetters, List<FileDamage> damages)
    implements Serializable {
  public ReadTally {
    damages =
        damages.stream()
            .sorted(
                Comparator.comparing(FileDamage::source).thenComparingLong(FileDamage::byteOffset))
            .toList();
  }

  public long recordsLost() {
    return damages.stream().mapToLong(FileDamage::recordsLost).sum();
  }

  public long recordsIn() {
    return examples + deadLetters + recordsLost();
  }

  /** Dead letters and lost records over all records; 0 when there were none. */
  public double badFraction() {
    long in = recordsIn();
    return in == 0 ? 0 : (double) (deadLetters + recordsLost()) / in;
  }

  public long damagedFiles() {
    return damages.stream().map(FileDamage::source).distinct().count();
  }

  /** "at least 7,634 records", "about 120 records" or "1,200 records", as the counts allow. */
  public String lostText() {
    long lost = recordsLost();
    String count = String.format("%,d record%s", lost, lost == 1 ? "" : "s");
    if (damages.stream().anyMatch(d -> d.lostBasis() == FileDamage.LostBasis.AT_LEAST)) {
      return "at least " + count;
    }
    if (damages.stream().anyMatch(d -> d.lostBasis() == FileDamage.LostBasis.ESTIMATED)) {
      return "about " + count;
    }
    return count;
  }

  /** The damages written as JSON lines into the {@code part-*} files of a directory. */
  public static List<FileDamage> readDamages(Path directory) throws IOException {
    List<FileDamage> damages = new ArrayList<>();
    if (!Files.isDirectory(directory)) {
      return damages;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "part-*")) {
      for (Path file : files) {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          if (!line.isBlank()) {
            damages.add(FileDamage.fromJson(line));
          }
        }
      }
    }
    return damages;
  }
}
