package io.millrace.cli;

import com.google.common.base.Throwables;
import io.millrace.artifact.ArtifactIntegrityException;
import io.millrace.artifact.StoragePaths;
import io.millrace.ingest.InputException;
import io.millrace.transforms.io.Storage;
import io.millrace.transforms.io.StorageException;
import io.millrace.transforms.runner.DirectRunnerStalledException;
import java.io.PrintWriter;
import java.nio.file.Path;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code millrace} command line. */
@Command(
    name = "millrace",
    mixinStandardHelpOptions = true,
    versionProvider = Millrace.Version.class,
    description = "Production machine-learning pipelines on Apache Beam.",
    subcommands = {
      IngestCommand.class,
      StatsCommand.class,
      SchemaCommand.class,
      ValidateCommand.class,
      TransformCommand.class,
      TransformApplyCommand.class,
      TrainCommand.class,
      EvaluateCommand.class,
      PushCommand.class,
      PredictCommand.class,
      ServeCommand.class,
      LabelCommand.class,
      RunCommand.class,
      RunsCommand.class,
      LineageCommand.class,
      ScheduleCommand.class,
      CommandLine.HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:the run failed (see the message)",
      "2:the command line is wrong",
      "3:the input was rejected: nothing matched, no usable schema, too many bad records, or an"
          + " artifact does not match its fingerprint (altered, forged or unrecorded)",
      "4:validation found anomalies that block (severity ERROR)",
      "5:the candidate model was not blessed (a threshold failed); nothing was pushed"
    })
public final class Millrace {
  public static final int EXIT_FAILED = 1;
  public static final int EXIT_USAGE = 2;
  public static final int EXIT_INPUT_REJECTED = 3;
  public static final int EXIT_ANOMALIES = 4;
  public static final int EXIT_NOT_BLESSED = 5;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs a command line and returns its exit code, for tests and embedding. */
  public static int execute(String... args) {
    return execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
  }

  /** Runs a command line with its output and errors going to the given writers. */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    // Paths on s3:// and hdfs:// work from the first command on, as the AWS variables say; a
    // command's Beam options (RunnerOptions) register again with what they add.
    Storage.registerUnlessRegistered(PipelineOptionsFactory.create());
    CommandLine cli = new CommandLine(new Millrace());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(Millrace::handle);
    // s3://bucket/key, hdfs://... and gs://... name paths of their file systems, not local files.
    cli.registerConverter(Path.class, StoragePaths::of);
    // Arguments no command knows are Beam pipeline options; Beam validates them by name.
    cli.getSubcommands().values().forEach(c -> c.setUnmatchedArgumentsAllowed(true));
    int exit = cli.execute(args);
    out.flush();
    err.flush();
    return exit;
  }

  private static int handle(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
    PrintWriter err = cli.getErr();
    Throwable cause = rootInputException(e);
    if (cause instanceof InputException || cause instanceof ArtifactIntegrityException) {
      err.println("millrace: " + cause.getMessage());
      return EXIT_INPUT_REJECTED;
    }
    Throwable storage = storageFailure(e);
    if (storage != null) {
      // It names the operation, the URI and the reason; the SDK's stack adds nothing to act on.
      err.println("millrace: " + storage.getMessage());
      return EXIT_FAILED;
    }
    DirectRunnerStalledException stalled = DirectRunnerStalledException.in(e);
    if (stalled != null) {
      // The work ran twice (StalledJobs) and Beam stalled both times; nothing of it was committed.
      err.println(
          "millrace: "
              + stalled.getMessage()
              + ", twice; nothing of that stage was committed. Run the command again (a pipeline"
              + " reuses the stages that finished), or run it on --runner=FlinkRunner");
      return EXIT_FAILED;
    }
    if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
      err.println("millrace: " + e.getMessage());
      return EXIT_USAGE;
    }
    err.println("millrace: " + describe(e));
    e.printStackTrace(err);
    return EXIT_FAILED;
  }

  /**
   * An unforeseen failure in one line: what failed and, when that wraps something else (a job's
   * "Pipeline execution failed" wraps the runner's failures, which wrap the user code's), the
   * innermost cause, which is what one acts on.
   */
  static String describe(Throwable e) {
    Throwable innermost = Throwables.getRootCause(e);
    if (innermost == e) {
      return e.toString();
    }
    return (e.getMessage() != null ? e.getMessage() : e.toString()) + ", caused by " + innermost;
  }

  /** The failed operation on a storage URI behind {@code e}, if that is what failed. */
  private static Throwable storageFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StorageException) {
        return t;
      }
    }
    return null;
  }

  /** The input rejection (bad input, or an artifact failing its fingerprint) behind {@code e}. */
  private static Throwable rootInputException(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InputException || t instanceof ArtifactIntegrityException) {
        return t;
      }
    }
    return e;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Millrace.class.getPackage().getImplementationVersion();
      return new String[] {
        "millrace " + (version != null ? version : "(development build)"),
        "Apache Beam " + org.apache.beam.sdk.util.ReleaseInfo.getReleaseInfo().getVersion(),
        "Java " + System.getProperty("java.version")
      };
    }
  }
}
