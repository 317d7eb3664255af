package io.millrace.validate;

import io.millrace.tfmd.AnomalyInfo;

/** One cause of an anomaly, as TFDV's C++ {@code Description}: type, short and long text. */
record Reason(AnomalyInfo.Type type, String shortDescription, String description) {
  AnomalyInfo.Reason toProto() {
    return AnomalyInfo.Reason.newBuilder()
        .setType(type)
        .setShortDescription(shortDescription)
        .setDescription(description)
        .build();
  }
}
