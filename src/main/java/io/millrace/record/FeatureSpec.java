package io.millrace.record;

import java.io.Serializable;
import java.util.Objects;

/** A named, typed feature of an {@link ExampleSchema}. */
public final class FeatureSpec implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String name;
  private final FeatureType type;

  private FeatureSpec(String name, FeatureType type) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("a feature needs a non-empty name");
    }
    this.name = name;
    this.type = Objects.requireNonNull(type, "type");
  }

  public static FeatureSpec of(String name, FeatureType type) {
    return new FeatureSpec(name, type);
  }

  public String name() {
    return name;
  }

  public FeatureType type() {
    return type;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FeatureSpec
        && ((FeatureSpec) o).name.equals(name)
        && ((FeatureSpec) o).type == type;
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + type.hashCode();
  }

  @Override
  public String toString() {
    return name + ":" + type;
  }
}
