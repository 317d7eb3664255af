package io.millrace.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.millrace.ingest.csv.CsvFormatReader;
import io.millrace.record.Example;
import io.millrace.testing.CollectingSink;
import io.millrace.testing.SharedData;
import io.millrace.transform.FeatureTransformer;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.TransformAnalyzer;
import io.millrace.transform.TransformSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The task a label output implies, and rows whose label is not a class. */
class TransformedDataTest {

  private static List<Example> penguins() throws IOException {
    return CollectingSink.read(
            new CsvFormatReader(SplitDataset.formatOptions()),
            SharedData.path("penguins/penguins.csv"))
        .examples;
  }

  private static FittedTransform fit(TransformSpec spec, List<Example> rows) {
    TransformAnalyzer analyzer = TransformAnalyzer.create(spec, rows.get(0).schema());
    rows.forEach(analyzer::add);
    return analyzer.fit("penguins");
  }

  @Test
  void theLabelOutputDecidesTheTask() throws IOException {
    TransformSpec spec =
        TransformSpec.builder()
            .zScore("bill_length_z", "bill_length_mm")
            .vocabulary("species_id", "species", TransformSpec.VocabularyOptions.defaults())
            .expression("heavy", "body_mass_g > 4000")
            .zScore("body_mass_z", "body_mass_g")
            .build();
    FittedTransform fitted = fit(spec, penguins());

    TransformedData.Layout multi = TransformedData.layout(fitted, "species_id");
    assertEquals(Task.MULTICLASS, multi.task());
    assertEquals(3, multi.numClasses());
    assertEquals(List.of("Adelie", "Gentoo", "Chinstrap"), multi.classNames());
    assertEquals(List.of("bill_length_z", "body_mass_z"), multi.denseFeatures());
    // A boolean expression is a two-valued categorical: an id column.
    assertEquals(List.of("heavy"), multi.idColumns());

    TransformedData.Layout binary = TransformedData.layout(fitted, "heavy");
    assertEquals(Task.BINARY, binary.task());
    assertEquals(2, binary.numClasses());
    assertEquals(List.of("0", "1"), binary.classNames());
    assertEquals(List.of("species_id"), binary.idColumns());

    TransformedData.Layout regression = TransformedData.layout(fitted, "body_mass_z");
    assertEquals(Task.REGRESSION, regression.task());
    assertEquals(1, regression.numClasses());
    assertEquals(List.of(), regression.classNames());

    TransformedData.Layout forced = TransformedData.layout(fitted, "heavy", Task.REGRESSION);
    assertEquals(Task.REGRESSION, forced.task());
    assertThrows(
        IllegalArgumentException.class,
        () -> TransformedData.layout(fitted, "heavy", Task.MULTICLASS));
  }

  @Test
  void rowsWithALabelOutsideTheClassesAreSkippedAndCounted() throws IOException {
    List<Example> all = penguins();
    int species = all.get(0).schema().requireIndex("species");
    List<Example> withoutChinstrap =
        all.stream()
            .filter(
                e -> !new String(e.bytes(species)[0], StandardCharsets.UTF_8).equals("Chinstrap"))
            .toList();
    TransformSpec spec =
        TransformSpec.builder()
            .zScore("bill_length_z", "bill_length_mm")
            .vocabulary("species_id", "species", TransformSpec.VocabularyOptions.defaults())
            .build();
    FittedTransform fitted = fit(spec, withoutChinstrap);
    FeatureTransformer transformer = fitted.transformer();
    TransformedData.Layout layout = TransformedData.layout(fitted, "species_id");
    assertEquals(List.of("Adelie", "Gentoo"), layout.classNames());

    TrainingData data = TransformedData.of(layout, all.stream().map(transformer::apply).toList());
    int chinstraps = all.size() - withoutChinstrap.size();
    assertEquals(68, chinstraps);
    assertEquals(chinstraps, data.skippedRows());
    assertEquals(withoutChinstrap.size(), data.numRows());
    assertEquals(Task.MULTICLASS, data.task());
    assertEquals(2, data.numClasses());
  }
}
