package io.millrace.architecture;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * No package of any module depends, through any path, on a package that depends on it: each package
 * can be understood, tested and moved with what it depends on alone.
 */
class PackageCyclesTest {
  private static final JavaClasses ALL =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          // The modules' test jars (test helpers shared between modules) are tests too.
          .withImportOption(location -> !location.contains("-tests.jar"))
          .importPackages("io.millrace");

  @Test
  void everyModuleIsChecked() {
    for (String name :
        List.of(
            "io.millrace.record.Example",
            "io.millrace.transforms.ReadExamples",
            "io.millrace.model.LoadedModel",
            "io.millrace.serving.ModelServer",
            "io.millrace.stage.IngestJob",
            "io.millrace.cli.Millrace")) {
      assertTrue(ALL.contain(name), name + " is not among the classes checked");
    }
  }

  @Test
  void noPackageCycles() {
    slices().matching("io.millrace.(*)..").should().beFreeOfCycles().check(ALL);
  }
}
