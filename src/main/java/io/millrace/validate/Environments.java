package io.millrace.validate;

import io.millrace.tfmd.Feature;
import io.millrace.tfmd.Schema;

/** Which schema features a data set of an environment must have, by TFDV's rules. */
final class Environments {
  private Environments() {}

  /**
   * TFDV's rule: a feature listed {@code in_environment} is in it; listed {@code
   * not_in_environment} is not; otherwise it is when the schema's {@code default_environment} has
   * the environment. Without an environment every feature is in. So with environments in use, a
   * feature that should be in all of them needs no list; a label excluded from "SERVING" needs only
   * {@code not_in_environment: "SERVING"}.
   */
  static boolean isInEnvironment(Schema schema, Feature feature, String environment) {
    if (environment == null) {
      return true;
    }
    if (feature.getInEnvironmentList().contains(environment)) {
      return true;
    }
    if (feature.getNotInEnvironmentList().contains(environment)) {
      return false;
    }
    return schema.getDefaultEnvironmentList().contains(environment);
  }

  /** Deprecated, or a lifecycle stage that is not validated (planned, alpha, debug, disabled). */
  @SuppressWarnings("deprecation")
  static boolean isDeprecated(Feature feature) {
    if (feature.getDeprecated()) {
      return true;
    }
    switch (feature.getLifecycleStage()) {
      case PLANNED:
      case ALPHA:
      case DEPRECATED:
      case DEBUG_ONLY:
      case DISABLED:
        return true;
      default:
        return false;
    }
  }

  /** Whether the data must have the feature at all: it has a presence bound and is in. */
  static boolean isExistenceRequired(Schema schema, Feature feature, String environment) {
    if (isDeprecated(feature)) {
      return false;
    }
    if (feature.getPresence().getMinCount() <= 0 && feature.getPresence().getMinFraction() <= 0) {
      return false;
    }
    return isInEnvironment(schema, feature, environment);
  }

  /** TFDV rejects an environment the schema does not declare, rather than validating nothing. */
  static void checkDeclared(Schema schema, String environment) {
    if (environment != null && !schema.getDefaultEnvironmentList().contains(environment)) {
      throw new IllegalArgumentException(
          "environment "
              + environment
              + " is not among the schema's default_environment "
              + schema.getDefaultEnvironmentList());
    }
  }
}
