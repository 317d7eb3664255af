package io.millrace.cli;

import static io.millrace.cli.MillraceCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.millrace.cli.MillraceCliTest.Run;
import io.millrace.schema.SchemaFiles;
import io.millrace.testing.SharedData;
import io.millrace.tfmd.Anomalies;
import io.millrace.tfmd.DatasetFeatureStatisticsList;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stats}, {@code schema} and {@code validate} from the command line, as a TFDV user runs
 * them.
 */
class DataValidationCliTest {
  @TempDir Path dir;

  private static String tutorial(String file) {
    return SharedData.path("taxi/tutorial/" + file).toString();
  }

  private Run stats(String name, String file) {
    return run(
        "stats",
        "--input",
        tutorial(file),
        "--output",
        dir.resolve(name).toString(),
        "--slice",
        "payment_type");
  }

  @Test
  void statsThenSchemaThenValidateFlagsEvalsUnseenValuesAndExitsFour() throws IOException {
    Run train = stats("train", "train.csv");
    assertEquals(0, train.exit(), train.err());
    assertTrue(train.out().contains("10,000 examples"), train.out());
    assertTrue(train.out().contains("payment_type"), train.out());
    assertTrue(Files.exists(dir.resolve("train/report.html")));
    DatasetFeatureStatisticsList trainStats =
        DatasetFeatureStatisticsList.parseFrom(
            Files.readAllBytes(dir.resolve("train/all/stats.pb")));
    assertEquals(10_000, trainStats.getDatasets(0).getNumExamples());
    assertTrue(trainStats.getDatasetsCount() > 1, "payment_type slices");

    Path schema = dir.resolve("schema.pbtxt");
    Run inferred =
        run("schema", "--stats", dir.resolve("train").toString(), "--output", schema.toString());
    assertEquals(0, inferred.exit(), inferred.err());
    assertTrue(SchemaFiles.read(schema).getStringDomainCount() >= 1);

    assertEquals(0, stats("eval", "eval.csv").exit());
    Path anomalies = dir.resolve("checked");
    Run validate =
        run(
            "validate",
            "--schema",
            schema.toString(),
            "--stats",
            dir.resolve("eval").toString(),
            "--output",
            anomalies.toString());
    assertEquals(Millrace.EXIT_ANOMALIES, validate.exit(), validate.out() + validate.err());
    assertTrue(validate.out().contains("Prcard"), validate.out());
    Anomalies found =
        Anomalies.parseFrom(Files.readAllBytes(anomalies.resolve("anomalies/all/anomalies.pb")));
    assertTrue(found.getAnomalyInfoMap().containsKey("payment_type"));
    assertTrue(Files.exists(anomalies.resolve("anomalies/report.html")));

    // The training data against its own schema is clean: exit 0.
    Run clean =
        run("validate", "--schema", schema.toString(), "--stats", dir.resolve("train").toString());
    assertEquals(0, clean.exit(), clean.out());
  }

  @Test
  void servingWithoutTheLabelIsCleanOnlyInTheServingEnvironment() throws IOException {
    stats("train", "train.csv");
    stats("serving", "serving.csv");
    Path schema = dir.resolve("schema.pbtxt");
    run("schema", "--stats", dir.resolve("train").toString(), "--output", schema.toString());
    String serving = dir.resolve("serving").toString();

    Run withoutEnvironment = run("validate", "--schema", schema.toString(), "--stats", serving);
    assertEquals(Millrace.EXIT_ANOMALIES, withoutEnvironment.exit());
    assertTrue(withoutEnvironment.out().contains("tips"), withoutEnvironment.out());

    // Curate by hand, as a TFDV user would: environments, and no label at serving.
    String text = Files.readString(schema, StandardCharsets.UTF_8);
    text =
        text.replace("  name: \"tips\"\n", "  name: \"tips\"\n  not_in_environment: \"SERVING\"\n")
            + "default_environment: \"TRAINING\"\ndefault_environment: \"SERVING\"\n";
    Files.writeString(schema, text, StandardCharsets.UTF_8);
    Run inServing =
        run(
            "validate",
            "--schema",
            schema.toString(),
            "--stats",
            serving,
            "--environment",
            "SERVING");
    assertFalse(inServing.out().contains("tips "), inServing.out());
  }

  @Test
  void validateOnRawInputEmitsTheRecordsThatViolateTheSchema() throws IOException {
    stats("train", "train.csv");
    Path schema = dir.resolve("schema.pbtxt");
    run("schema", "--stats", dir.resolve("train").toString(), "--output", schema.toString());
    Path out = dir.resolve("eval-check");
    Run r =
        run(
            "validate",
            "--schema",
            schema.toString(),
            "--input",
            tutorial("eval.csv"),
            "--output",
            out.toString(),
            "--emit-bad-examples");
    assertEquals(Millrace.EXIT_ANOMALIES, r.exit(), r.out() + r.err());
    List<String> bad;
    try (var files = Files.list(out.resolve("statistics/bad-examples"))) {
      bad =
          files
              .flatMap(
                  f -> {
                    try {
                      return Files.readAllLines(f, StandardCharsets.UTF_8).stream();
                    } catch (IOException e) {
                      throw new RuntimeException(e);
                    }
                  })
              .toList();
    }
    assertTrue(bad.stream().anyMatch(l -> l.contains("Prcard")), String.join("\n", bad));
    // One eval record has the unseen payment type and 16 have unseen companies.
    assertEquals(
        bad.size(),
        Long.parseLong(
            r.out().replaceAll("(?s).*?([0-9,]+) records violate.*", "$1").replace(",", "")));
  }
}
