package io.millrace.record;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ordered, typed feature layout shared by every {@link Example} of a data set.
 *
 * <p>Examples refer to their schema instead of carrying feature names, so a record costs one slot
 * per feature and coders write values only. Features are addressed by index on hot paths and by
 * name through {@link #indexOf(String)}.
 */
public final class ExampleSchema implements Serializable {
  private static final long serialVersionUID = 1L;

  private final List<FeatureSpec> features;
  private final Map<String, Integer> indexByName;
  private final FeatureType[] types;

  private ExampleSchema(List<FeatureSpec> features) {
    this.features = Collections.unmodifiableList(new ArrayList<>(features));
    this.types = features.stream().map(FeatureSpec::type).toArray(FeatureType[]::new);
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < features.size(); i++) {
      if (index.put(features.get(i).name(), i) != null) {
        throw new IllegalArgumentException("duplicate feature name: " + features.get(i).name());
      }
    }
    this.indexByName = index;
  }

  public static ExampleSchema of(List<FeatureSpec> features) {
    return new ExampleSchema(features);
  }

  public static ExampleSchema of(FeatureSpec... features) {
    return new ExampleSchema(Arrays.asList(features));
  }

  public int size() {
    return features.size();
  }

  public List<FeatureSpec> features() {
    return features;
  }

  public FeatureSpec feature(int index) {
    return features.get(index);
  }

  public String name(int index) {
    return features.get(index).name();
  }

  /** The type of a feature; on every record's path, hence an array lookup. */
  public FeatureType type(int index) {
    return types[index];
  }

  /** Returns the index of the named feature, or -1 when the schema has no such feature. */
  public int indexOf(String name) {
    Integer index = indexByName.get(name);
    return index == null ? -1 : index;
  }

  /** Returns the index of the named feature, failing with a message that lists the known names. */
  public int requireIndex(String name) {
    int index = indexOf(name);
    if (index < 0) {
      throw new IllegalArgumentException(
          "no feature named '" + name + "'; the features are " + indexByName.keySet());
    }
    return index;
  }

  public Example.Builder newExample() {
    return new Example.Builder(this);
  }

  @Override
  public boolean equals(Object o) {
    return this == o
        || (o instanceof ExampleSchema && ((ExampleSchema) o).features.equals(features));
  }

  @Override
  public int hashCode() {
    return features.hashCode();
  }

  @Override
  public String toString() {
    return features.toString();
  }
}
