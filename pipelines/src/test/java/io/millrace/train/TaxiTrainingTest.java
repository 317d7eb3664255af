package io.millrace.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.csv.CsvFormatReader;
import io.millrace.record.Example;
import io.millrace.testing.CollectingSink;
import io.millrace.testing.SharedData;
import io.millrace.transform.FeatureTransformer;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.TransformAnalyzer;
import io.millrace.transform.TransformSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Raw taxi CSV to transformed model inputs to a trained big-tipper classifier, runner-free. */
class TaxiTrainingTest {
  private static List<Example> read(String file) throws IOException {
    return CollectingSink.read(
            new CsvFormatReader(FormatOptions.defaults()), SharedData.path("taxi/tutorial/" + file))
        .examples;
  }

  @Test
  void theTaxiTransformFeedsATrainerThatBeatsTheMajorityClass() throws IOException {
    TransformSpec spec = TransformSpec.read(Path.of("..", "examples", "taxi", "transform.json"));
    List<Example> train = read("train.csv");
    TransformAnalyzer analyzer = TransformAnalyzer.create(spec, train.get(0).schema());
    train.forEach(analyzer::add);
    FittedTransform fitted = analyzer.fit("taxi");
    FeatureTransformer transformer = fitted.transformer();

    TransformedData.Layout layout = TransformedData.layout(fitted, "big_tipper");
    assertEquals(List.of("payment_type_id", "company_id"), layout.idColumns().subList(0, 2));
    TrainingData trainData =
        TransformedData.of(layout, train.stream().map(transformer::apply).toList());
    TrainingData evalData =
        TransformedData.of(layout, read("eval.csv").stream().map(transformer::apply).toList());

    TrainedModel model =
        new Trainer(ModelConfig.builder().dnn(32, 16).epochs(5).learningRate(0.005f).build())
            .train(trainData);
    double positives = 0;
    for (int r = 0; r < evalData.numRows(); r++) {
      positives += evalData.label(r);
    }
    double majority = Math.max(positives, evalData.numRows() - positives) / evalData.numRows();
    double accuracy = model.accuracy(evalData);
    System.out.printf(
        "taxi big_tipper: eval accuracy %.4f, majority class %.4f%n", accuracy, majority);
    assertTrue(accuracy > majority + 0.05, "accuracy " + accuracy + " vs majority " + majority);
  }
}
