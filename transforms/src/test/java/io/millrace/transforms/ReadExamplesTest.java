package io.millrace.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.millrace.ingest.DeadLetter;
import io.millrace.ingest.FileDamage;
import io.millrace.ingest.FormatOptions;
import io.millrace.record.Example;
import io.millrace.record.ExampleSchema;
import io.millrace.record.FeatureType;
import io.millrace.testing.DamagedFiles;
import io.millrace.testing.SharedData;
import io.millrace.testing.TestPipelineExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Count;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(TestPipelineExtension.class)
class ReadExamplesTest {
  @TempDir Path dir;

  @Test
  void readsGoodRowsAndDeadLettersBadOnesAcrossFiles(TestPipeline pipeline) throws IOException {
    Files.writeString(dir.resolve("part-1.csv"), "id,city\n1,Oslo\n2,Lima\nx,Rome\n");
    Files.writeString(dir.resolve("part-2.csv"), "id,city\n3,Pune\n4\n");

    ReadExamples read =
        ReadExamples.from(dir + "/part-*.csv")
            .withFormatOptions(
                FormatOptions.defaults().withFeatureTypes(java.util.Map.of("id", FeatureType.INT)));
    ExampleSchema schema = read.plan().schema();
    ReadExamples.Result result = pipeline.apply(read);

    Example oslo = schema.newExample().setInt64s(0, 1).setString(1, "Oslo").build();
    Example lima = schema.newExample().setInt64s(0, 2).setString(1, "Lima").build();
    Example pune = schema.newExample().setInt64s(0, 3).setString(1, "Pune").build();
    PAssert.that(result.examples()).containsInAnyOrder(oslo, lima, pune);
    PAssert.that(result.deadLetters())
        .containsInAnyOrder(
            DeadLetter.of(
                dir.resolve("part-1.csv").toString(),
                4,
                "id",
                "'x' in column 'id' is not an integer",
                "x,Rome"),
            DeadLetter.of(
                dir.resolve("part-2.csv").toString(),
                3,
                null,
                "expected 2 fields as in the header, found 1",
                "4"));
    pipeline.run().waitUntilFinish();
  }

  @Test
  void readsTheTaxiTrainingDataInParallelRanges(TestPipeline pipeline) {
    ReadExamples.Result result =
        pipeline.apply(
            ReadExamples.from(SharedData.path("taxi/tutorial/train.csv").toString())
                .withRangeBytes(64 << 10));
    assertEquals(18, result.schema().size());
    PAssert.thatSingleton(result.examples().apply(Count.globally())).isEqualTo(10_000L);
    PAssert.that(result.deadLetters()).empty();
    PAssert.that(result.damages()).empty();
    pipeline.run().waitUntilFinish();
  }

  @Test
  void aCutOffFileIsADamageCountingItsLostRecordsNotADeadLetter(TestPipeline pipeline)
      throws IOException {
    Path cut =
        DamagedFiles.cutInHalf(
            DamagedFiles.gzip(
                SharedData.path("taxi/tutorial/eval.csv"), dir.resolve("eval.csv.gz")),
            dir.resolve("cut.csv.gz"));

    ReadExamples.Result result = pipeline.apply(ReadExamples.from(cut.toString()));

    String source = cut.toString();
    PAssert.that(result.deadLetters()).empty();
    PAssert.that(result.damages())
        .satisfies(
            damages -> {
              FileDamage damage = damages.iterator().next();
              assertEquals(source, damage.source());
              assertEquals(FileDamage.LostBasis.AT_LEAST, damage.lostBasis());
              return null;
            });
    pipeline.run().waitUntilFinish();
  }
}
