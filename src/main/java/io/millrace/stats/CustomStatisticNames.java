package io.millrace.stats;

/**
 * Names of the {@code custom_stats} Millrace adds to TFDV's per-feature statistics, for facts
 * TFDV's messages have no field for.
 */
public final class CustomStatisticNames {
  /**
   * {@code "exact"}, or {@code "hll_sketch"} when a string feature had too many distinct values.
   */
  public static final String UNIQUE_METHOD = "unique_method";

  /**
   * The exact number of distinct values of an INT feature, present only when at most 1,024: what
   * tells a categorical integer from a quantity in schema inference.
   */
  public static final String UNIQUE = "unique";

  public static final String NUM_INVALID_UTF8 = "num_invalid_utf8";
  public static final String NUM_NAN = "num_nan";
  public static final String NUM_POS_INF = "num_pos_inf";
  public static final String NUM_NEG_INF = "num_neg_inf";

  /** The normalized rank error bound of the median and the quantiles histogram. */
  public static final String QUANTILES_RANK_ERROR = "quantiles_rank_error";

  private CustomStatisticNames() {}
}
