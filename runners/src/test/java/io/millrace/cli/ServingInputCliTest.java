package io.millrace.cli;

import static io.millrace.cli.MillraceCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.millrace.cli.MillraceCliTest.Run;
import io.millrace.ingest.parquet.LocalOutputFile;
import io.millrace.record.ExampleSchema;
import io.millrace.testing.SharedData;
import io.millrace.transform.FittedTransform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Serving reads raw records with the types the model's transform was fitted on, through the real
 * CLI on the taxi serving and eval files: a cell that does not parse is a dead letter naming file,
 * line and field (and counts toward the bad fraction); a column the model needs that the file lacks
 * is an error unless allowed; the label is not needed; Avro, Parquet and TFRecord files of other
 * types than the model's are refused.
 */
class ServingInputCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SERVING = SharedData.path("taxi/tutorial/serving.csv");
  @TempDir static Path dir;
  static Path transform;
  static Path model;

  @BeforeAll
  static void trainATaxiModel() throws IOException {
    transform = fitTaxiTransform("t");
    Path config = dir.resolve("model.json");
    Files.writeString(config, "{\"kind\": \"LINEAR\", \"epochs\": 1}");
    ok(
        run(
            "train",
            "--transformed",
            dir.resolve("t").toString(),
            "--label",
            "big_tipper",
            "--model-config",
            config.toString(),
            "--output",
            dir.resolve("m").toString()));
    model = dir.resolve("m/model");
  }

  /** The taxi transform fitted on the tutorial's train.csv, ingested with {@code ingestArgs}. */
  private static Path fitTaxiTransform(String name, String... ingestArgs) {
    Path examples = dir.resolve(name + "-examples");
    List<String> ingest =
        new ArrayList<>(
            List.of(
                "ingest",
                "--input",
                SharedData.path("taxi/tutorial/train.csv").toString(),
                "--output",
                examples.toString()));
    ingest.addAll(List.of(ingestArgs));
    ok(run(ingest.toArray(String[]::new)));
    ok(
        run(
            "transform",
            "--examples",
            examples.toString(),
            "--spec",
            Path.of("..", "examples", "taxi", "transform.json").toString(),
            "--output",
            dir.resolve(name).toString()));
    return dir.resolve(name).resolve("transform");
  }

  private static Run ok(Run run) {
    assertEquals(0, run.exit(), run.out() + run.err());
    return run;
  }

  private static void says(String text, String... parts) {
    for (String part : parts) {
      assertTrue(text.contains(part), "'" + part + "' not in: " + text);
    }
  }

  /** The serving file with {@code edit} applied to its lines (0 is the header). */
  private static Path servingFile(String name, java.util.function.Consumer<List<String>> edit)
      throws IOException {
    List<String> lines = new ArrayList<>(Files.readAllLines(SERVING, StandardCharsets.UTF_8));
    edit.accept(lines);
    Path file = dir.resolve(name);
    Files.write(file, lines, StandardCharsets.UTF_8);
    return file;
  }

  /** Line {@code i}'s cell of {@code column} replaced (no quoted cells in the taxi files). */
  private static void setCell(List<String> lines, int i, String column, String value) {
    int c = List.of(lines.get(0).split(",", -1)).indexOf(column);
    String[] cells = lines.get(i).split(",", -1);
    cells[c] = value;
    lines.set(i, String.join(",", cells));
  }

  private static void dropColumn(List<String> lines, String column) {
    int c = List.of(lines.get(0).split(",", -1)).indexOf(column);
    for (int i = 0; i < lines.size(); i++) {
      List<String> cells = new ArrayList<>(List.of(lines.get(i).split(",", -1)));
      cells.remove(c);
      lines.set(i, String.join(",", cells));
    }
  }

  private static Run predict(Path input, String output, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "predict",
                "--model",
                model.toString(),
                "--input",
                input.toString(),
                "--output",
                dir.resolve(output).toString()));
    args.addAll(List.of(more));
    return run(args.toArray(String[]::new));
  }

  private static List<JsonNode> lines(Path directory) throws IOException {
    List<JsonNode> rows = new ArrayList<>();
    if (!Files.isDirectory(directory)) {
      return rows;
    }
    try (Stream<Path> files = Files.list(directory)) {
      for (Path file : files.sorted().toList()) {
        for (String line : Files.readAllLines(file)) {
          rows.add(JSON.readTree(line));
        }
      }
    }
    return rows;
  }

  /** Probability by the trip's start timestamp and pickup point (unique in the file). */
  private static Map<String, Double> probabilities(List<JsonNode> rows) {
    Map<String, Double> byTrip = new HashMap<>();
    for (JsonNode row : rows) {
      byTrip.put(
          row.path("trip_start_timestamp").toString() + row.path("pickup_latitude"),
          row.path("probability").get(0).asDouble());
    }
    return byTrip;
  }

  @Test
  void aCellThatDoesNotParseIsADeadLetterNamingFileLineAndField() throws IOException {
    Run clean = ok(predict(SERVING, "clean"));
    JsonNode summary = JSON.readTree(dir.resolve("clean/summary.json").toFile());
    assertEquals(100, summary.get("predicted").asLong(), clean.out());
    List<JsonNode> cleanRows = lines(dir.resolve("clean/predictions"));
    assertTrue(cleanRows.get(0).path("fare").get(0).isNumber(), cleanRows.get(0).toString());
    // A column the model does not use passes through as the file has it.
    assertTrue(cleanRows.get(0).path("trip_start_timestamp").get(0).isTextual());

    // Line 6 of the file (record 5) has fare NaNx: that record alone is refused, the others are
    // scored exactly as before (before, fare became text and every record got the mean fare).
    Path bad = servingFile("one-bad.csv", lines -> setCell(lines, 5, "fare", "NaNx"));
    ok(predict(bad, "one-bad"));
    summary = JSON.readTree(dir.resolve("one-bad/summary.json").toFile());
    assertEquals(99, summary.get("predicted").asLong());
    assertEquals(1, summary.get("deadLetters").asLong());
    List<JsonNode> dead = lines(dir.resolve("one-bad/dead-letter"));
    assertEquals(1, dead.size());
    assertTrue(dead.get(0).get("source").asText().endsWith("one-bad.csv"), dead.toString());
    assertEquals(6, dead.get(0).get("record").asLong(), dead.toString());
    assertEquals("fare", dead.get(0).get("field").asText(), dead.toString());
    Map<String, Double> expected = probabilities(cleanRows);
    probabilities(lines(dir.resolve("one-bad/predictions")))
        .forEach((trip, p) -> assertEquals(expected.get(trip), p, trip));

    // Two of 100 is over the default --max-bad-fraction 0.01: nothing is written.
    Path twoBad =
        servingFile(
            "two-bad.csv",
            lines -> {
              setCell(lines, 5, "fare", "NaNx");
              setCell(lines, 9, "trip_start_hour", "noon");
            });
    Run refused = predict(twoBad, "two-bad");
    assertEquals(Millrace.EXIT_INPUT_REJECTED, refused.exit(), refused.out() + refused.err());
    says(refused.err(), "2 of 100 records", "--max-bad-fraction", "\"field\":\"fare\"");
    assertFalse(Files.exists(dir.resolve("two-bad")));
    ok(predict(twoBad, "two-bad-accepted", "--max-bad-fraction", "0.05"));
  }

  @Test
  void aColumnTheModelNeedsThatTheFileLacksIsAnErrorUnlessAllowed() throws IOException {
    Path noFare = servingFile("no-fare.csv", lines -> dropColumn(lines, "fare"));
    Run refused = predict(noFare, "no-fare");
    assertEquals(Millrace.EXIT_INPUT_REJECTED, refused.exit(), refused.out() + refused.err());
    says(refused.err(), "no-fare.csv has no column 'fare'", "--allow-missing-features");
    assertFalse(Files.exists(dir.resolve("no-fare")));

    Run allowed = ok(predict(noFare, "no-fare-allowed", "--allow-missing-features"));
    says(allowed.out(), "lacks [fare]");
    JsonNode summary = JSON.readTree(dir.resolve("no-fare-allowed/summary.json").toFile());
    assertEquals("[\"fare\"]", summary.get("missingFeatures").toString());
    assertEquals(100, summary.get("predicted").asLong());

    // The label's input (tips) is in the eval file and not in the serving file: needed by neither.
    Run eval = ok(predict(SharedData.path("taxi/tutorial/eval.csv"), "eval"));
    says(eval.out(), "5,000 records: 5,000 predicted, 0 dead letters");
  }

  @Test
  void transformApplyReadsWithTheTransformsTypes() throws IOException {
    Path out = dir.resolve("served.jsonl");
    Run noLabel =
        run("transform-apply", "--artifact", transform.toString(), "--input", SERVING.toString());
    assertEquals(Millrace.EXIT_INPUT_REJECTED, noLabel.exit(), noLabel.err());
    says(noLabel.err(), "no column 'tips'", "--allow-missing-features");

    List<String> base =
        List.of("transform-apply", "--artifact", transform.toString(), "--label", "big_tipper");
    ok(run(args(base, "--input", SERVING.toString(), "--output", out.toString())));
    List<String> served = Files.readAllLines(out);
    assertEquals(100, served.size());
    assertFalse(JSON.readTree(served.get(0)).has("big_tipper"), served.get(0));

    Path bad = servingFile("apply-bad.csv", lines -> setCell(lines, 5, "fare", "NaNx"));
    Path badOut = dir.resolve("served-bad.jsonl");
    Run skipped = run(args(base, "--input", bad.toString(), "--output", badOut.toString()));
    assertEquals(Millrace.EXIT_INPUT_REJECTED, skipped.exit(), skipped.err());
    says(skipped.err(), "\"record\":6", "\"field\":\"fare\"", "99 records; 1 could not be read");
    assertEquals(99, Files.readAllLines(badOut).size());

    Path noFare = servingFile("apply-no-fare.csv", lines -> dropColumn(lines, "fare"));
    Run missing = run(args(base, "--input", noFare.toString()));
    assertEquals(Millrace.EXIT_INPUT_REJECTED, missing.exit(), missing.err());
    says(missing.err(), "no column 'fare'");
    Run allowed = ok(run(args(base, "--input", noFare.toString(), "--allow-missing-features")));
    says(allowed.err(), "lacks [fare]");
  }

  private static String[] args(List<String> base, String... more) {
    List<String> all = new ArrayList<>(base);
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  /** Avro types of the model's inputs as the transform has them, one changed to {@code type}. */
  private static Schema servingSchema(String changed, Schema.Type type) throws IOException {
    ExampleSchema trained = FittedTransform.read(transform).inputSchema();
    SchemaBuilder.FieldAssembler<Schema> fields = SchemaBuilder.record("trip").fields();
    for (int f = 0; f < trained.size(); f++) {
      String name = trained.name(f);
      if (name.equals("tips")) {
        continue;
      }
      Schema.Type t =
          name.equals(changed)
              ? type
              : switch (trained.type(f)) {
                case INT -> Schema.Type.LONG;
                case FLOAT -> Schema.Type.DOUBLE;
                case BYTES -> Schema.Type.STRING;
              };
      fields = fields.name(name).type().optional().type(Schema.create(t));
    }
    return fields.endRecord();
  }

  /** The serving file's records in an Avro schema: numbers as its types say, text as text. */
  private static List<GenericRecord> records(Schema schema) throws IOException {
    List<String> lines = Files.readAllLines(SERVING, StandardCharsets.UTF_8);
    List<String> header = List.of(lines.get(0).split(",", -1));
    List<GenericRecord> records = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split(",", -1);
      GenericRecord r = new GenericData.Record(schema);
      for (Schema.Field field : schema.getFields()) {
        String cell = cells[header.indexOf(field.name())];
        Schema.Type t = field.schema().getTypes().get(1).getType();
        r.put(
            field.name(),
            cell.isEmpty()
                ? null
                : switch (t) {
                  case LONG -> (long) Double.parseDouble(cell);
                  case DOUBLE -> Double.parseDouble(cell);
                  default -> cell;
                });
      }
      records.add(r);
    }
    return records;
  }

  private static Path avro(String name, Schema schema) throws IOException {
    Path file = dir.resolve(name);
    try (DataFileWriter<GenericRecord> writer =
        new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(schema))) {
      writer.create(schema, file.toFile());
      for (GenericRecord r : records(schema)) {
        writer.append(r);
      }
    }
    return file;
  }

  private static Path parquet(String name, Schema schema) throws IOException {
    Path file = dir.resolve(name);
    try (ParquetWriter<GenericRecord> writer =
        AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
            .withSchema(schema)
            .build()) {
      for (GenericRecord r : records(schema)) {
        writer.write(r);
      }
    }
    return file;
  }

  @Test
  void avroParquetAndTfRecordFilesOfOtherTypesThanTheModelsAreRefused() throws IOException {
    // Of the model's own types: scored.
    ok(predict(avro("right.avro", servingSchema(null, null)), "right-avro"));
    ok(predict(parquet("right.parquet", servingSchema(null, null)), "right-parquet"));
    Path tfx = SharedData.path("taxi/tfrecord/eval/data_tfrecord-00000-of-00012.gz");
    ok(predict(tfx, "right-tfrecord"));

    Run avro = predict(avro("fare-text.avro", servingSchema("fare", Schema.Type.STRING)), "a");
    assertEquals(Millrace.EXIT_INPUT_REJECTED, avro.exit(), avro.out() + avro.err());
    says(avro.err(), "feature 'fare'", "fare-text.avro", "BYTES values", "trained on FLOAT");
    Run parquet =
        predict(
            parquet("hour-double.parquet", servingSchema("trip_start_hour", Schema.Type.DOUBLE)),
            "p");
    assertEquals(Millrace.EXIT_INPUT_REJECTED, parquet.exit(), parquet.out() + parquet.err());
    says(parquet.err(), "feature 'trip_start_hour'", "FLOAT values", "trained on INT");

    // A transform fitted on trip_start_day read as FLOAT: TFX's TFRecords hold int64 values.
    Path floatDay = fitTaxiTransform("t-float-day", "--feature-type", "trip_start_day=FLOAT");
    Run tfrecord =
        run(
            "transform-apply",
            "--artifact",
            floatDay.toString(),
            "--input",
            tfx.toString(),
            "--label",
            "big_tipper");
    assertEquals(Millrace.EXIT_INPUT_REJECTED, tfrecord.exit(), tfrecord.err());
    says(tfrecord.err(), "feature 'trip_start_day'", "INT values", "trained on FLOAT");
  }
}
