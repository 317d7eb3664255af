package io.millrace.model;

import io.millrace.ingest.FormatOptions;
import io.millrace.ingest.csv.CsvFormatReader;
import io.millrace.record.Example;
import io.millrace.testing.CollectingSink;
import io.millrace.testing.SharedData;
import io.millrace.train.ModelConfig;
import io.millrace.train.TrainedModel;
import io.millrace.train.Trainer;
import io.millrace.train.TrainingData;
import io.millrace.train.TransformedData;
import io.millrace.transform.FeatureTransformer;
import io.millrace.transform.FittedTransform;
import io.millrace.transform.TransformAnalyzer;
import io.millrace.transform.TransformSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** The taxi big-tipper model, trained small and fast, for the tests of this package. */
public final class TaxiModels {
  public static final String LABEL = "big_tipper";

  private static List<Example> train;
  private static List<Example> eval;
  private static FittedTransform fitted;

  private TaxiModels() {}

  public static synchronized List<Example> train() {
    if (train == null) {
      train = read("train.csv");
    }
    return train;
  }

  /** The 5,000 tutorial eval records. */
  public static synchronized List<Example> eval() {
    if (eval == null) {
      eval = read("eval.csv");
    }
    return eval;
  }

  /**
   * Eval records of which every {@code every}-th has no {@code tips} (so no usable label): the
   * first {@code n} of eval.csv.
   */
  public static List<Example> evalWithMissingLabels(int n, int every) {
    List<Example> out = new ArrayList<>();
    List<Example> all = eval();
    for (int i = 0; i < n; i++) {
      Example e = all.get(i);
      if (i % every == every - 1) {
        Example.Builder b = e.schema().newExample();
        for (int f = 0; f < e.schema().size(); f++) {
          b.setRaw(f, e.rawValues(f));
        }
        e = b.setMissing(e.schema().requireIndex("tips")).build();
      }
      out.add(e);
    }
    return out;
  }

  public static synchronized FittedTransform fitted() {
    if (fitted == null) {
      try {
        TransformSpec spec =
            TransformSpec.read(Path.of("..", "examples", "taxi", "transform.json"));
        TransformAnalyzer analyzer = TransformAnalyzer.create(spec, train().get(0).schema());
        train().forEach(analyzer::add);
        fitted = analyzer.fit("taxi");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return fitted;
  }

  public static TransformedData.Layout layout() {
    return TransformedData.layout(fitted(), LABEL);
  }

  public static TrainingData trainingData() {
    FeatureTransformer transformer = fitted().transformer();
    return TransformedData.of(layout(), train().stream().map(transformer::apply).toList());
  }

  public static ModelConfig goodConfig() {
    return ModelConfig.builder().dnn(32, 16).epochs(2).learningRate(0.005f).build();
  }

  /** A useful model: a small DNN, two epochs. */
  public static ModelArtifact writeGood(Path dir, String name) throws IOException {
    ModelConfig config = goodConfig();
    TrainedModel model = new Trainer(config).train(trainingData());
    return ModelArtifact.write(
        dir, name, fitted(), layout(), config, model, Map.of("train", "taxi/tutorial/train.csv"));
  }

  /** A model that learned nothing: trained one epoch on labels shuffled across the records. */
  public static ModelArtifact writeShuffled(Path dir, String name) throws IOException {
    TrainingData data = trainingData();
    float[] features = new float[data.numRows() * data.numFeatures()];
    float[] labels = new float[data.numRows()];
    for (int r = 0; r < data.numRows(); r++) {
      for (int f = 0; f < data.numFeatures(); f++) {
        features[r * data.numFeatures() + f] = data.feature(r, f);
      }
      labels[r] = data.label(r);
    }
    Random random = new Random(7);
    for (int i = labels.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      float t = labels[i];
      labels[i] = labels[j];
      labels[j] = t;
    }
    TrainingData.Builder builder = TrainingData.builder(features, data.numFeatures(), labels);
    for (int c = 0; c < data.numIdColumns(); c++) {
      long[] ids = new long[data.numRows()];
      for (int r = 0; r < ids.length; r++) {
        ids[r] = data.id(c, r);
      }
      builder.addIdColumn(ids, data.vocabularySize(c));
    }
    ModelConfig config = goodConfig().toBuilder().epochs(1).build();
    TrainedModel model = new Trainer(config).train(builder.build());
    return ModelArtifact.write(
        dir, name, fitted(), layout(), config, model, Map.of("train", "shuffled labels"));
  }

  private static List<Example> read(String file) {
    try {
      return CollectingSink.read(
              new CsvFormatReader(FormatOptions.defaults()),
              SharedData.path("taxi/tutorial/" + file))
          .examples;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
