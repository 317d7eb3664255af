package io.millrace.transforms;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.millrace.examples.ExampleJson;
import io.millrace.record.Example;
import io.millrace.split.Splits;
import io.millrace.stats.StatisticsAccumulation;
import io.millrace.stats.StatisticsAccumulator;
import io.millrace.transforms.io.BadRecordDirectories;
import io.millrace.transforms.io.ExampleFiles;
import io.millrace.transforms.io.ShardWriter;
import io.millrace.validate.ExampleValidator;
import java.io.IOException;
import java.util.List;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TupleTag;

/**
 * {@link GenerateStatistics.FromFiles}' step: reads a part of an input file into one statistics
 * state per split, kept across the bundle and emitted when it finishes, so only states (kilobytes)
 * travel to the combine; optionally checks each record against a schema and writes the violating
 * ones, with the reasons, to bad-example shards.
 */
final class AccumulateStatisticsFn extends FusedReadFn<KV<String, StatisticsAccumulator>> {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();
  private final StatisticsAccumulation accumulation;
  private final List<String> splitNames;
  private final ExampleValidator validator;
  private final String badExamplesDirectory;
  private final TupleTag<KV<String, StatisticsAccumulator>> statesTag;
  private final TupleTag<ShardWriter.Shard> shardsTag;
  private transient StatisticsAccumulator[] states;
  private transient ShardWriter<String> badExampleWriter;
  private transient String source;

  AccumulateStatisticsFn(
      ExampleFiles files,
      Splits splits,
      List<String> splitNames,
      StatisticsAccumulation accumulation,
      ExampleValidator validator,
      String badExamplesDirectory,
      BadRecordDirectories badRecords,
      TupleTag<KV<String, StatisticsAccumulator>> statesTag,
      TupleTag<ShardWriter.Shard> shardsTag) {
    super(files.reader(), files.schema(), splits, badRecords, shardsTag);
    this.accumulation = accumulation;
    this.splitNames = splitNames;
    this.validator = validator;
    this.badExamplesDirectory = badExamplesDirectory;
    this.statesTag = statesTag;
    this.shardsTag = shardsTag;
  }

  @Override
  void startBundle() {
    states = new StatisticsAccumulator[splitNames.size()];
    if (validator != null) {
      badExampleWriter = new ShardWriter<>(badExamplesDirectory, ".jsonl", TextIO.sink());
    }
  }

  @Override
  void startPart(ProcessContext context) {
    source = context.element().file().resourceId().toString();
  }

  @Override
  void accept(int split, Example example, ShardWriter.Guard output) {
    if (states[split] == null) {
      states[split] = accumulation.create();
    }
    accumulation.add(states[split], example);
    if (validator != null) {
      List<String> violations = validator.violations(example);
      if (!violations.isEmpty()) {
        output.write(badExampleWriter, badExampleJson(source, example, violations));
      }
    }
  }

  @Override
  void finishBundle(Emitter emit) throws IOException {
    for (int i = 0; i < states.length; i++) {
      if (states[i] != null) {
        emit.emit(statesTag, KV.of(splitNames.get(i), states[i]));
      }
    }
    emit.emitShard(shardsTag, badExampleWriter);
  }

  /** A bad example as one JSON line: where it came from, what is wrong, and its values. */
  static String badExampleJson(String source, Example example, List<String> violations) {
    ObjectNode node = JSON.createObjectNode();
    node.put("source", source);
    ArrayNode reasons = node.putArray("violations");
    violations.forEach(reasons::add);
    node.set("features", ExampleJson.toJson(example));
    return node.toString();
  }
}
