package io.millrace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/** An unforeseen failure's first line names its innermost cause, not only the outer wrapper. */
class FailureMessageTest {
  @Test
  void aFailedJobIsDescribedByWhatFailedInsideIt() {
    Exception e =
        new RuntimeException(
            "Pipeline execution failed",
            new IllegalStateException(
                "Job execution failed.", new NoSuchFileException("/tmp/x/part-0.tfrecord")));
    assertEquals(
        "Pipeline execution failed, caused by java.nio.file.NoSuchFileException:"
            + " /tmp/x/part-0.tfrecord",
        Millrace.describe(e));
  }

  @Test
  void aFailureWithoutACauseIsItself() {
    assertEquals(
        "java.lang.IllegalStateException: boom",
        Millrace.describe(new IllegalStateException("boom")));
  }

  @Test
  void aWrapperWithoutAMessageIsNamedByItsType() {
    assertEquals(
        "java.lang.RuntimeException, caused by java.lang.ArithmeticException: / by zero",
        Millrace.describe(
            new RuntimeException((String) null, new ArithmeticException("/ by zero"))));
  }
}
