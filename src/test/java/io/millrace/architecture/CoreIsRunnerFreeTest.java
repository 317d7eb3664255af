package io.millrace.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The core is what a serving process and every module build on: it must run without a Beam runner,
 * Flink or TensorFlow on the classpath.
 */
class CoreIsRunnerFreeTest {
  private static final JavaClasses CORE =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.millrace");

  @Test
  void theCoreImportsNoBeamFlinkOrTensorFlow() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.apache.beam..", "org.apache.flink..", "org.tensorflow..")
        .because("the core runs in a serving process without Beam, Flink or TensorFlow")
        .check(CORE);
  }

  @Test
  void theCoreDependsOnNoOtherMillraceModule() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.millrace.transforms..",
            "io.millrace.stage..",
            "io.millrace.pipeline..",
            "io.millrace.model..",
            "io.millrace.train..",
            "io.millrace.tune..",
            "io.millrace.metadata..",
            "io.millrace.cli..")
        .because("every module builds on the core, not the other way round")
        .check(CORE);
  }
}
