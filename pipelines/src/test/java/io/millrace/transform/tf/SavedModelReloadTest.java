package io.millrace.transform.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.record.Example;
import io.millrace.transform.FittedTransform;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported SavedModel of the taxi transform, reloaded in a fresh JVM (nothing of the exporting
 * graph or session left), computes what the Java runtime computes: no lookup table that would need
 * an initializer after reload.
 */
class SavedModelReloadTest {
  @Test
  void reloadedSavedModelAgreesWithRuntime(@TempDir Path dir) throws Exception {
    FittedTransform fitted = Taxi.fitted();
    Path model = dir.resolve("model");
    TransformGraph.exportSavedModel(fitted, model);
    assertTrue(Files.exists(model.resolve("saved_model.pb")));

    List<Example> records = Taxi.read("eval.csv");
    Path rawFile = dir.resolve("raw.bin");
    try (DataOutputStream out =
        new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(rawFile)))) {
      RawColumns.of(fitted.inputSchema(), records).write(out);
    }

    Path outFile = dir.resolve("out.bin");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(SavedModelMain.class.getName());
    command.add(model.toString());
    command.add(rawFile.toString());
    command.add(outFile.toString());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    builder.redirectOutput(dir.resolve("child.log").toFile());
    Process child = builder.start();
    boolean done = child.waitFor(120, TimeUnit.SECONDS);
    if (!done) {
      child.destroyForcibly();
    }
    String log = Files.readString(dir.resolve("child.log"));
    assertTrue(done, "the child JVM did not finish:\n" + log);
    assertEquals(0, child.exitValue(), "the child JVM failed:\n" + log);

    GraphOutputs outputs;
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(outFile)))) {
      outputs = GraphOutputs.read(in);
    }
    GraphOutputs.Agreement agreement =
        outputs.assertAgrees(fitted.transformer(), records, UnaryOperator.identity());
    System.out.println("reloaded SavedModel, taxi eval.csv: " + records.size() + ", " + agreement);
  }
}
