package io.millrace.testing;

import java.lang.reflect.Method;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.runner.Description;
import org.junit.runners.model.Statement;

/**
 * Gives JUnit 5 tests a Beam {@link TestPipeline} parameter with the checks its JUnit 4 rule makes:
 * a pipeline that was built but never run fails the test, and PAsserts are verified to have run. A
 * pipeline for the DirectRunner runs on the {@link RerunStalledDirectRunner}.
 */
public final class TestPipelineExtension implements ParameterResolver, InvocationInterceptor {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(TestPipelineExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == TestPipeline.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return pipeline(context);
  }

  @Override
  public void interceptTestMethod(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext,
      ExtensionContext context)
      throws Throwable {
    Statement test =
        new Statement() {
          @Override
          public void evaluate() throws Throwable {
            invocation.proceed();
          }
        };
    Description description =
        Description.createTestDescription(
            context.getRequiredTestClass(), context.getRequiredTestMethod().getName());
    pipeline(context).apply(test, description).evaluate();
  }

  /** The test options, on the {@link RerunStalledDirectRunner} where they name the DirectRunner. */
  private static PipelineOptions options() {
    PipelineOptions options = TestPipeline.testingPipelineOptions();
    if (options.getRunner() == DirectRunner.class) {
      options.setRunner(RerunStalledDirectRunner.class);
    }
    return options;
  }

  private static TestPipeline pipeline(ExtensionContext context) {
    return context
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(
            "pipeline",
            key -> TestPipeline.fromOptions(options()).enableAbandonedNodeEnforcement(true),
            TestPipeline.class);
  }
}
