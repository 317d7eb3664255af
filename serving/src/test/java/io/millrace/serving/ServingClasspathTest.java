package io.millrace.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.File;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The model server runs without Beam or Flink: neither is on the serving module's classpath (its
 * test classpath holds the main one), so a dependency that brings either fails the build here.
 */
class ServingClasspathTest {
  @Test
  void noBeamOrFlinkJarIsOnTheClasspath() {
    List<String> runners =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(
                entry ->
                    entry.contains("/org/apache/beam/")
                        || entry.contains("/org/apache/flink/")
                        || entry.matches(".*/(beam|flink)-[^/]*\\.jar")
                        || entry.matches(".*millrace-(transforms|pipelines|runners)[^/]*"))
            .toList();
    assertEquals(List.of(), runners, "Beam or Flink on the serving classpath");
  }

  @Test
  void noBeamOrFlinkClassLoads() {
    for (String name :
        List.of(
            "org.apache.beam.sdk.Pipeline",
            "org.apache.beam.sdk.transforms.DoFn",
            "org.apache.flink.api.common.JobID",
            "io.millrace.transforms.ReadExamples",
            "io.millrace.model.Predict")) {
      assertThrows(
          ClassNotFoundException.class,
          () -> Class.forName(name, false, getClass().getClassLoader()),
          name + " is reachable from serving");
    }
  }
}
