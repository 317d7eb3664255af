package io.millrace.pipeline;

/** Another process holds the pipeline's run lock: this run did not start. */
public final class PipelineBusyException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  public PipelineBusyException(String message) {
    super(message);
  }
}
