package io.millrace.ingest;

import java.io.Serializable;

/**
 * When the records read are not good enough to go on: more than {@code maxBadFraction} of them are
 * dead letters or lost, or a file is damaged and partial files are not accepted. Lost records count
 * as bad either way, so accepting partial files never lets more than the fraction through.
 *
 * @param maxBadFraction the largest fraction of records that may be dead letters or lost
 * @param acceptPartialFiles whether a damaged file's readable records may be used
 */
public record BadInputPolicy(double maxBadFraction, boolean acceptPartialFiles)
    implements Serializable {
  public static final double DEFAULT_MAX_BAD_FRACTION = 0.01;

  /** Damages named one by one in a message; the rest are in the rejection report. */
  private static final int MAX_LISTED = 5;

  public BadInputPolicy {
    if (!(maxBadFraction >= 0 && maxBadFraction <= 1)) {
      throw new IllegalArgumentException(
          "max bad fraction must be in [0, 1], not " + maxBadFraction);
    }
  }

  /** At most 1% bad records, no damaged files. */
  public static BadInputPolicy defaults() {
    return new BadInputPolicy(DEFAULT_MAX_BAD_FRACTION, false);
  }

  public BadInputPolicy withMaxBadFraction(double fraction) {
    return new BadInputPolicy(fraction, acceptPartialFiles);
  }

  public BadInputPolicy withAcceptPartialFiles(boolean accept) {
    return new BadInputPolicy(maxBadFraction, accept);
  }

  /**
   * Why the input is rejected, or null when it may be used.
   *
   * @param target what would have been written, named in the message as not written
   */
  public String violation(ReadTally tally, String target) {
    if (!tally.damages().isEmpty() && !acceptPartialFiles) {
      StringBuilder s =
          new StringBuilder(
              String.format(
                  "%d input file%s damaged: %s could not be read (",
                  tally.damagedFiles(),
                  tally.damagedFiles() == 1 ? " is" : "s are",
                  tally.lostText()));
      int shown = 0;
      for (FileDamage d : tally.damages()) {
        if (shown == MAX_LISTED) {
          s.append("; and ").append(tally.damages().size() - shown).append(" more");
          break;
        }
        s.append(shown++ == 0 ? "" : "; ")
            .append(d.source())
            .append(" from record ")
            .append(String.format("%,d", d.record()))
            .append(": ")
            .append(d.lostText())
            .append(", ")
            .append(d.reason());
      }
      return s.append("). Nothing was written to ")
          .append(target)
          .append(
              ". To use the readable records anyway, accept partial files (--accept-partial-files,"
                  + " or acceptPartialFiles: true in pipeline.yaml's input); lost records still"
                  + " count toward the max bad fraction.")
          .toString();
    }
    double bad = tally.badFraction();
    if (bad > maxBadFraction) {
      return String.format(
          "%,d of %,d records (%.2f%%) could not be read (%,d dead letters%s), more than"
              + " --max-bad-fraction %s allows; nothing was written to %s.",
          tally.deadLetters() + tally.recordsLost(),
          tally.recordsIn(),
          100 * bad,
          tally.deadLetters(),
          tally.damages().isEmpty()
              ? ""
              : String.format(
                  ", %s lost in %d damaged file%s",
                  tally.lostText(), tally.damagedFiles(), tally.damagedFiles() == 1 ? "" : "s"),
          maxBadFraction,
          target);
    }
    return null;
  }
}
