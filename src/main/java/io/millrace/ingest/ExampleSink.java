package io.millrace.ingest;

import io.millrace.record.Example;

/**
 * Receives what a {@link FormatReader} reads: each record becomes an example or a dead letter, and
 * each stretch of a file that cannot be read is a damage that counts the records it lost.
 */
public interface ExampleSink {
  void accept(Example example);

  void reject(DeadLetter deadLetter);

  /**
   * Part of a file cannot be read. Its records are lost, not dead letters: a run fails on any
   * damage unless partial files are accepted (see {@link BadInputPolicy}).
   */
  void damaged(FileDamage damage);
}
