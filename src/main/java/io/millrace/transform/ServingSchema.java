package io.millrace.transform;

import io.millrace.ingest.ExampleFormat;
import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.InputException;
import io.millrace.ingest.SourceFile;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureSpec;
import io.millrace.record.FeatureType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The schema serving reads raw records with: the types the transform was fitted on, not types
 * guessed from the serving files. Guessing would let one cell {@code NaNx} turn a numeric column
 * into text, which the transform then fills with the training mean on every record.
 *
 * <ul>
 *   <li>CSV: each feature the model needs is read as the transform's type, so a cell that does not
 *       parse is a dead letter naming file, line and field; other columns (ids, the label) are read
 *       as text and passed through, so they can never reject a record.
 *   <li>Avro, Parquet, TFRecord: the files state their types; a feature the model needs whose type
 *       differs from the transform's is refused, naming both.
 *   <li>A feature the model needs that a file lacks is refused, naming it, unless missing features
 *       are allowed: then the transform fills it as for a missing value, and {@link
 *       Resolved#missing()} names it.
 * </ul>
 */
public final class ServingSchema {
  private ServingSchema() {}

  /** The schema to read with, and the needed features the files lack (empty unless allowed). */
  public record Resolved(ExampleSchema schema, List<String> missing) {}

  /**
   * The raw features behind the given transform outputs: what a model fed those outputs needs from
   * each serving record (the label's inputs, for one, it does not).
   */
  public static Set<String> inputsOf(FittedTransform transform, Collection<String> outputs) {
    Set<String> inputs = new LinkedHashSet<>();
    for (FittedTransform.Fitted step : transform.fitted()) {
      if (outputs.contains(step.output())) {
        inputs.addAll(step.inputs());
      }
    }
    return inputs;
  }

  /**
   * Resolves the schema of serving files.
   *
   * @param needed the raw features the model needs (see {@link #inputsOf}); each is one of the
   *     transform's input features
   * @param allowMissing whether a needed feature may be absent from the files
   * @throws InputException when a needed feature is absent (and not allowed to be) or of another
   *     type than the transform's, naming the file and the feature
   */
  public static Resolved resolve(
      List<? extends SourceFile> files,
      ExampleFormat format,
      FormatOptions options,
      FittedTransform transform,
      Set<String> needed,
      boolean allowMissing)
      throws IOException {
    if (files.isEmpty()) {
      throw new InputException("no serving files to read");
    }
    ExampleSchema trained = transform.inputSchema();
    Map<String, FeatureType> types = new LinkedHashMap<>();
    Set<String> missing = new LinkedHashSet<>();
    if (format == ExampleFormat.CSV) {
      // Each file's header: a CSV file lacking a column reads it as missing on every row.
      FormatOptions headerOnly = options.withFeatureTypes(Map.of()).withInferenceSample(1);
      for (SourceFile file : files) {
        ExampleSchema columns = format.reader(headerOnly).inferSchema(List.of(file));
        for (FeatureSpec column : columns.features()) {
          types.putIfAbsent(
              column.name(),
              needed.contains(column.name())
                  ? trained.type(trained.requireIndex(column.name()))
                  : FeatureType.BYTES);
        }
        for (String feature : needed) {
          if (columns.indexOf(feature) < 0) {
            missing.add(feature);
            refuseMissing(allowMissing, feature, file.path(), "column", columns);
          }
        }
      }
    } else {
      ExampleSchema stated = format.reader(options).inferSchema(files);
      for (FeatureSpec feature : stated.features()) {
        FeatureType model =
            needed.contains(feature.name())
                ? trained.type(trained.requireIndex(feature.name()))
                : null;
        if (model != null && model != feature.type()) {
          throw new InputException(
              String.format(
                  "feature '%s' of %s holds %s values, but the model was trained on %s ones;"
                      + " serve it data of the types it was trained on",
                  feature.name(),
                  files.size() == 1 ? files.get(0).path() : "the serving files",
                  feature.type(),
                  model));
        }
        types.put(feature.name(), feature.type());
      }
      for (String feature : needed) {
        if (stated.indexOf(feature) < 0) {
          missing.add(feature);
          refuseMissing(allowMissing, feature, files.get(0).path(), "feature", stated);
          if (format == ExampleFormat.TFRECORD) {
            // A feature not in the sample may still be in later records: read it typed.
            types.put(feature, trained.type(trained.requireIndex(feature)));
          }
        }
      }
    }
    List<FeatureSpec> features = new ArrayList<>();
    types.forEach((name, type) -> features.add(FeatureSpec.of(name, type)));
    return new Resolved(ExampleSchema.of(features), List.copyOf(missing));
  }

  private static void refuseMissing(
      boolean allowMissing, String feature, String file, String what, ExampleSchema has) {
    if (allowMissing) {
      return;
    }
    List<String> names = new ArrayList<>();
    has.features().forEach(f -> names.add(f.name()));
    throw new InputException(
        String.format(
            "%s has no %s '%s', which the model's inputs are computed from (it has %s); pass"
                + " --allow-missing-features to fill it as the transform fills a missing value",
            file, what, feature, names));
  }
}
