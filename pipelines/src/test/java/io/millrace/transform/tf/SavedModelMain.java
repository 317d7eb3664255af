package io.millrace.transform.tf;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tensorflow.SavedModelBundle;

/**
 * Run in a fresh JVM by {@link SavedModelReloadTest}: {@code MODEL_DIR RAW_FILE OUTPUT_FILE}. Loads
 * the SavedModel, feeds the raw columns through its {@code serving_default} signature in batches,
 * and writes what it returned.
 */
public final class SavedModelMain {
  private SavedModelMain() {}

  public static void main(String[] args) throws Exception {
    RawColumns raw;
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(Path.of(args[1]))))) {
      raw = RawColumns.read(in);
    }
    GraphOutputs outputs;
    try (SavedModelBundle bundle =
        SavedModelBundle.loader(args[0]).withTags(TransformGraph.TAG).load()) {
      outputs = GraphOutputs.run(bundle.function(TransformGraph.SIGNATURE), raw, 500);
    }
    try (DataOutputStream out =
        new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(Path.of(args[2]))))) {
      outputs.write(out);
    }
    System.out.println("transformed " + raw.size + " records");
  }
}
