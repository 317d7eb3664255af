package io.millrace.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.record.Example;
import io.millrace.train.Task;
import io.millrace.train.TrainingData;
import io.millrace.train.TransformedData;
import io.millrace.transform.FeatureTransformer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model artifact on disk and loaded: round trip, fingerprint, both inference paths, labels. */
class LoadedModelTest {
  @TempDir static Path dir;
  private static ModelArtifact artifact;

  @BeforeAll
  static void train() throws IOException {
    artifact = TaxiModels.writeGood(dir.resolve("taxi-model"), "big-tipper");
  }

  @Test
  void artifactRoundTripsThroughModelJson() throws IOException {
    ModelArtifact read = ModelArtifact.read(artifact.directory());
    assertEquals(artifact.info(), read.info());
    ModelArtifact.Info info = read.info();
    assertEquals(ModelArtifact.LAYOUT, info.layout());
    assertEquals("big-tipper", info.name());
    assertEquals(Task.BINARY, info.task());
    assertEquals(TaxiModels.LABEL, info.label());
    TransformedData.Layout layout = TaxiModels.layout();
    assertEquals(layout.denseFeatures(), info.inputs().denseFeatures());
    assertEquals(layout.idColumns(), info.inputs().idColumns());
    assertEquals(layout.cardinalities(), info.inputs().cardinalities());
    assertEquals("DNN", info.hyperparameters().get("kind"));
    assertEquals(List.of(32, 16), info.hyperparameters().get("hiddenUnits"));
    assertEquals(2, info.training().lossCurve().size());
    assertTrue(info.training().examplesPerSecond() > 0);
    assertEquals(TaxiModels.fitted().fingerprint(), info.lineage().transformFingerprint());
    assertEquals(Map.of("train", "taxi/tutorial/train.csv"), info.lineage().dataFingerprints());
    assertEquals(64, info.fingerprint().length());
    assertTrue(Files.exists(read.savedModel().resolve("saved_model.pb")));
    assertEquals(TaxiModels.fitted().fingerprint(), read.transform().fingerprint());
    // Recomputed from the content; when and how fast it was trained is not part of it.
    assertEquals(
        info.fingerprint(),
        ModelArtifact.fingerprint(
            read.savedModel(),
            read.transform().fingerprint(),
            new ObjectMapper()
                .readTree(read.directory().resolve(ModelArtifact.MODEL_JSON).toFile())));
  }

  @Test
  void anAlteredSavedModelIsRefused() throws IOException {
    Path copy = dir.resolve("altered");
    copyTree(artifact.directory(), copy);
    Path pb = copy.resolve(ModelArtifact.SAVED_MODEL).resolve("saved_model.pb");
    byte[] bytes = Files.readAllBytes(pb);
    bytes[bytes.length - 1] ^= 1;
    Files.write(pb, bytes);
    IOException e = assertThrows(IOException.class, () -> ModelArtifact.read(copy));
    assertTrue(e.getMessage().contains("fingerprint"), e.getMessage());
  }

  @Test
  void anArtifactIsNotOverwritten() {
    assertThrows(
        IllegalStateException.class, () -> TaxiModels.writeGood(artifact.directory(), "x"));
  }

  @Test
  void javaTransformPathAgreesWithRawServingSignature() throws IOException {
    List<Example> eval = TaxiModels.eval();
    try (LoadedModel model = LoadedModel.load(artifact.directory())) {
      long start = System.nanoTime();
      LoadedModel.Predictions fast = model.predict(eval);
      long fastNanos = System.nanoTime() - start;
      start = System.nanoTime();
      LoadedModel.Predictions raw = model.predictRaw(eval);
      long rawNanos = System.nanoTime() - start;
      assertEquals(eval.size(), fast.rows());
      assertEquals(1, fast.width());
      assertEquals(eval.size(), raw.rows());
      double maxDiff = 0;
      float min = 1;
      float max = 0;
      for (int i = 0; i < eval.size(); i++) {
        maxDiff = Math.max(maxDiff, Math.abs((double) fast.get(i, 0) - raw.get(i, 0)));
        min = Math.min(min, fast.get(i, 0));
        max = Math.max(max, fast.get(i, 0));
      }
      System.out.printf(
          "LoadedModel on %d taxi eval records: predict %.1f ms, predictRaw %.1f ms,"
              + " max |diff| = %.3g%n",
          eval.size(), fastNanos / 1e6, rawNanos / 1e6, maxDiff);
      assertTrue(max - min > 0.1f, "degenerate probabilities in [" + min + ", " + max + "]");
      assertTrue(maxDiff <= 1e-6, "max difference " + maxDiff);
    }
  }

  @Test
  void predictionsAreTheTrainedModelsProbabilities() throws IOException {
    // The exported graph mirrors TrainedModel's Java forward pass; check the artifact carries it.
    List<Example> eval = TaxiModels.eval().subList(0, 500);
    FeatureTransformer transformer = TaxiModels.fitted().transformer();
    TrainingData data =
        TransformedData.of(TaxiModels.layout(), eval.stream().map(transformer::apply).toList());
    try (LoadedModel model = LoadedModel.load(artifact.directory(), 1, 1)) {
      LoadedModel.Scored scored = model.score(eval);
      for (int i = 0; i < eval.size(); i++) {
        assertEquals(data.label(i), scored.labels()[i], "label of record " + i);
      }
      assertEquals(0, scored.unusableLabels());
      assertEquals(eval.size(), scored.predictions().rows());
    }
  }

  @Test
  void recordsWithoutTheLabelInputHaveNoUsableLabel() throws IOException {
    List<Example> records = TaxiModels.evalWithMissingLabels(100, 10);
    try (LoadedModel model = LoadedModel.load(artifact.directory())) {
      double[] labels = model.labels(records);
      int unusable = 0;
      for (int i = 0; i < labels.length; i++) {
        boolean missing = i % 10 == 9;
        assertEquals(missing, Double.isNaN(labels[i]), "record " + i);
        if (!missing) {
          assertTrue(labels[i] == 0 || labels[i] == 1);
        } else {
          unusable++;
        }
      }
      assertEquals(10, unusable);
      assertEquals(10, model.score(records).unusableLabels());
      // They are still predicted: the label is not a model input.
      assertEquals(100, model.predict(records).rows());
    }
  }

  @Test
  void concurrentCallersGetTheSinglethreadedPredictions() throws Exception {
    List<Example> eval = TaxiModels.eval().subList(0, 1_000);
    try (LoadedModel model = LoadedModel.load(artifact.directory())) {
      float[] expected = model.predict(eval).values();
      var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
      try {
        List<java.util.concurrent.Future<float[]>> results = new java.util.ArrayList<>();
        for (int t = 0; t < 8; t++) {
          int from = t * 100;
          results.add(pool.submit(() -> model.predict(eval.subList(from, from + 300)).values()));
        }
        for (int t = 0; t < 8; t++) {
          float[] got = results.get(t).get();
          for (int i = 0; i < got.length; i++) {
            assertEquals(expected[t * 100 + i], got[i], 1e-6, "thread " + t + " row " + i);
          }
        }
      } finally {
        pool.shutdown();
      }
    }
  }

  @Test
  void sharedLeasesLoadOnceAndCloseWithTheLastRelease() throws IOException {
    Path path = artifact.directory();
    LoadedModel.Lease a = LoadedModel.shared(path);
    LoadedModel.Lease b = LoadedModel.shared(path.resolve("..").resolve(path.getFileName()));
    assertSame(a.model(), b.model());
    assertEquals(2, LoadedModel.sharedReferences(path));
    assertThrows(IllegalStateException.class, () -> a.model().close());
    LoadedModel first = a.model();
    a.close();
    a.close(); // releases once
    assertEquals(1, LoadedModel.sharedReferences(path));
    assertEquals(10, b.model().predict(TaxiModels.eval().subList(0, 10)).rows());
    b.close();
    assertEquals(0, LoadedModel.sharedReferences(path));
    assertThrows(IllegalStateException.class, () -> first.predict(TaxiModels.eval()));
    try (LoadedModel.Lease c = LoadedModel.shared(path)) {
      assertNotEquals(first, c.model());
      assertEquals(1, LoadedModel.sharedReferences(path));
    }
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (var paths = Files.walk(from)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
