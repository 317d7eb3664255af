package io.millrace.ingest;

import io.millrace.record.Example;

/** Receives what a {@link FormatReader} reads: each record becomes an example or a dead letter. */
public interface ExampleSink {
  void accept(Example example);

  void reject(DeadLetter deadLetter);
}
