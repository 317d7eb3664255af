package io.millrace.stage;

/**
 * What every stage holds the same way: its name, its settings and the class of its result.
 *
 * @param <S> the settings record
 * @param <R> the result
 */
public abstract class AbstractStage<S extends Record, R extends StageResult> implements Stage<R> {
  private final String name;
  private final S settings;
  private final Class<R> resultType;

  protected AbstractStage(String name, S settings, Class<R> resultType) {
    this.name = name;
    this.settings = settings;
    this.resultType = resultType;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final S settings() {
    return settings;
  }

  @Override
  public final Class<R> resultType() {
    return resultType;
  }
}
