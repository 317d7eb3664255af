package io.millrace.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.model.LoadedModel;
import io.millrace.model.TaxiModels;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batcher on a real model: should a batch fail in TensorFlow despite validation, only the
 * request at fault fails; its batch-mates are run again alone and get their own predictions.
 */
class RequestBatcherTest {
  @TempDir static Path dir;
  static LoadedModel model;

  @BeforeAll
  static void load() throws IOException {
    TaxiModels.writeGood(dir.resolve("taxi"), "taxi");
    model = LoadedModel.load(dir.resolve("taxi"));
  }

  @AfterAll
  static void close() {
    if (model != null) {
      model.close();
    }
  }

  @Test
  void aRequestThatFailsInsideABatchFailsAloneAndItsBatchMatesGetTheirAnswers() throws Exception {
    int requests = 6;
    List<Integer> callSizes = new CopyOnWriteArrayList<>();
    // One call at a time and a long timeout: the requests that arrive together share a batch.
    RequestBatcher batcher =
        new RequestBatcher(model::predictTransformed, 64, 2_000_000, 1, callSizes::add);
    List<List<Example>> inputs = new ArrayList<>();
    for (int r = 0; r < requests; r++) {
      List<Example> rows = new ArrayList<>();
      for (Example raw : TaxiModels.eval().subList(r * 4, r * 4 + 4)) {
        rows.add(model.transformer().apply(raw));
      }
      inputs.add(rows);
    }
    // An id far beyond its column's ids: TensorFlow's lookup refuses the whole call.
    String id = model.artifact().info().inputs().idColumns().get(0);
    Example good = inputs.get(2).get(1);
    ExampleSchema schema = good.schema();
    Example.Builder bad = schema.newExample();
    for (int f = 0; f < schema.size(); f++) {
      bad.setRaw(f, schema.name(f).equals(id) ? new long[] {1_000_000_000L} : good.rawValues(f));
    }
    inputs.get(2).set(1, bad.build());

    CyclicBarrier together = new CyclicBarrier(requests);
    ExecutorService pool = Executors.newFixedThreadPool(requests);
    try {
      List<Future<LoadedModel.Predictions>> answers = new ArrayList<>();
      for (List<Example> rows : inputs) {
        answers.add(
            pool.submit(
                () -> {
                  together.await(1, TimeUnit.MINUTES);
                  return batcher.predict(rows);
                }));
      }
      for (int r = 0; r < requests; r++) {
        if (r == 2) {
          int failed = r;
          ExecutionException e =
              assertThrows(ExecutionException.class, () -> answers.get(failed).get());
          assertTrue(e.getCause().getMessage().contains("1000000000"), e.getCause().toString());
          continue;
        }
        assertArrayEquals(
            model.predictTransformed(inputs.get(r)).values(),
            answers.get(r).get(1, TimeUnit.MINUTES).values(),
            "request " + r);
      }
    } finally {
      pool.shutdownNow();
    }
    // At least one call held more than one request: the failure happened inside a shared batch.
    assertTrue(callSizes.stream().anyMatch(size -> size > 4), "call sizes: " + callSizes);
    assertEquals(
        requests * 4 + callSizes.stream().filter(s -> s > 4).mapToInt(Integer::intValue).sum(),
        callSizes.stream().mapToInt(Integer::intValue).sum(),
        "every request ran once alone after its batch failed, or once in a batch: " + callSizes);
  }
}
