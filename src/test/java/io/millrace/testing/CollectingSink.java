package io.millrace.testing;

import io.millrace.ingest.DeadLetter;
import io.millrace.ingest.ExampleSink;
import io.millrace.ingest.FileDamage;
import io.millrace.ingest.FormatReader;
import io.millrace.ingest.LocalSourceFile;
import io.millrace.record.Example;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Collects what a {@link FormatReader} reads, for runner-free tests. */
public final class CollectingSink implements ExampleSink {
  public final List<Example> examples = new ArrayList<>();
  public final List<DeadLetter> deadLetters = new ArrayList<>();
  public final List<FileDamage> damages = new ArrayList<>();

  @Override
  public void accept(Example example) {
    examples.add(example);
  }

  @Override
  public void reject(DeadLetter deadLetter) {
    deadLetters.add(deadLetter);
  }

  @Override
  public void damaged(FileDamage damage) {
    damages.add(damage);
  }

  /** The records lost in damaged parts of the files read. */
  public long recordsLost() {
    return damages.stream().mapToLong(FileDamage::recordsLost).sum();
  }

  /** Infers the schema of one file and reads it. */
  public static CollectingSink read(FormatReader reader, Path file) throws IOException {
    LocalSourceFile source = new LocalSourceFile(file);
    CollectingSink sink = new CollectingSink();
    reader.read(source, reader.inferSchema(List.of(source)), sink);
    return sink;
  }
}
