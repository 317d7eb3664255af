package io.millrace.transforms;

import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.split.Splits;
import io.millrace.transforms.coders.ExampleCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.Partition;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;

/**
 * Partitions examples into deterministic hash {@link Splits}; the output list is in the order of
 * {@link Splits#names()}.
 */
public final class SplitExamples
    extends PTransform<PCollection<Example>, PCollectionList<Example>> {
  private static final long serialVersionUID = 1L;

  private final Splits splits;

  private SplitExamples(Splits splits) {
    this.splits = splits;
  }

  public static SplitExamples into(Splits splits) {
    return new SplitExamples(splits);
  }

  @Override
  public PCollectionList<Example> expand(PCollection<Example> examples) {
    Coder<Example> coder = examples.getCoder();
    if (!(coder instanceof ExampleCoder)) {
      throw new IllegalArgumentException("SplitExamples needs examples coded by an ExampleCoder");
    }
    ExampleSchema schema = ((ExampleCoder) coder).schema();
    splits.validate(schema);
    return examples.apply(
        "HashIntoSplits", Partition.of(splits.names().size(), new HashPartition(splits, schema)));
  }

  private static final class HashPartition implements Partition.PartitionFn<Example> {
    private static final long serialVersionUID = 1L;
    private final Splits splits;
    private final ExampleSchema schema;
    private transient Splits.Assigner assigner;

    HashPartition(Splits splits, ExampleSchema schema) {
      this.splits = splits;
      this.schema = schema;
    }

    @Override
    public int partitionFor(Example example, int numPartitions) {
      if (assigner == null) {
        assigner = splits.assigner(schema);
      }
      return assigner.assign(example);
    }
  }
}
