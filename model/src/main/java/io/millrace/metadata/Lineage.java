package io.millrace.metadata;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where an artifact came from: the execution that wrote it and, by input name, the lineage of each
 * artifact that execution read. Shared ancestors are the same {@code Lineage} object, so this is a
 * DAG; {@link #render()} prints it as an indented chain.
 *
 * @param producer empty for an artifact nothing in the store wrote
 */
public record Lineage(
    Artifact artifact, Optional<Execution> producer, Map<String, Lineage> inputs) {

  public Lineage {
    inputs = Maps.ordered(inputs);
  }

  /** Every artifact in the lineage, this one first, each once. */
  public List<Artifact> artifacts() {
    List<Artifact> artifacts = new ArrayList<>();
    visit(this, new HashSet<>(), lineage -> artifacts.add(lineage.artifact));
    return artifacts;
  }

  /** Every execution in the lineage, the last first, each once. */
  public List<Execution> executions() {
    Map<Long, Execution> executions = new LinkedHashMap<>();
    visit(
        this,
        new HashSet<>(),
        lineage -> lineage.producer.ifPresent(e -> executions.putIfAbsent(e.id(), e)));
    return List.copyOf(executions.values());
  }

  /** The artifacts of a type in the lineage, e.g. {@link Artifact#EXAMPLES} for the data. */
  public List<Artifact> artifactsOfType(String type) {
    return artifacts().stream().filter(a -> a.type().equals(type)).collect(Collectors.toList());
  }

  /** The fingerprints of the data this artifact derives from, by the data's uri. */
  public Map<String, String> dataFingerprints() {
    Map<String, String> fingerprints = new LinkedHashMap<>();
    for (Artifact examples : artifactsOfType(Artifact.EXAMPLES)) {
      fingerprints.put(examples.uri(), examples.fingerprint());
    }
    return fingerprints;
  }

  /**
   * The chain back to the data, one artifact or execution a line, each execution indented under
   * what it wrote and its inputs under it; an ancestor already printed is named, not repeated.
   */
  public String render() {
    StringBuilder out = new StringBuilder();
    render(this, null, 0, new HashSet<>(), out);
    return out.toString();
  }

  private static void render(
      Lineage lineage, String inputName, int depth, Set<Long> printed, StringBuilder out) {
    Artifact artifact = lineage.artifact;
    out.append("  ".repeat(depth));
    if (inputName != null) {
      out.append(inputName).append(": ");
    }
    out.append(artifact.type())
        .append(" #")
        .append(artifact.id())
        .append(' ')
        .append(artifact.uri());
    if (!artifact.fingerprint().isEmpty()) {
      out.append(" fingerprint=").append(artifact.fingerprint());
    }
    if (!artifact.properties().isEmpty()) {
      out.append(' ').append(artifact.properties());
    }
    if (!printed.add(artifact.id())) {
      out.append(" (see above)\n");
      return;
    }
    out.append('\n');
    if (lineage.producer.isEmpty()) {
      return;
    }
    Execution execution = lineage.producer.get();
    out.append("  ".repeat(depth + 1))
        .append("<- ")
        .append(execution.stage())
        .append(" (execution #")
        .append(execution.id())
        .append(", ")
        .append(execution.state())
        .append(", code ")
        .append(execution.codeVersion())
        .append(", ")
        .append(execution.startedAt())
        .append(")\n");
    lineage.inputs.forEach((name, input) -> render(input, name, depth + 2, printed, out));
  }

  private static void visit(
      Lineage lineage, Set<Long> seen, java.util.function.Consumer<Lineage> action) {
    if (!seen.add(lineage.artifact.id())) {
      return;
    }
    action.accept(lineage);
    for (Lineage input : lineage.inputs.values()) {
      visit(input, seen, action);
    }
  }
}
