package io.millrace.transform.tf;

import io.millrace.transform.FittedTransform;
import java.util.Map;
import java.util.function.Function;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;

/** Builds a transform's graph in this JVM and runs {@code body} with it as a function. */
final class InProcessGraph {
  private InProcessGraph() {}

  static <R> R with(FittedTransform fitted, Function<SessionFunction, R> body) {
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Map<String, Placeholder<?>> inputs = TransformGraph.placeholders(tf, fitted);
      Map<String, Operand<?>> outputs = TransformGraph.build(tf, fitted, inputs);
      Signature.Builder signature = Signature.builder().key(TransformGraph.SIGNATURE);
      inputs.forEach(signature::input);
      outputs.forEach(signature::output);
      return body.apply(SessionFunction.create(signature.build(), session));
    }
  }
}
