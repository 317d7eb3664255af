package io.millrace.transforms.io;

import io.millrace.artifact.StoragePaths;
import io.millrace.ingest.InputException;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * A file pattern that may name spans and versions of arriving data, as TFX's ExampleGen does: for
 * example {@code data/span-{SPAN}/v{VERSION}/*.csv}. {@code {SPAN}} and {@code {VERSION}} match
 * digits; the rest is a glob ({@code *}, {@code ?}, {@code **}) that Beam's file systems expand.
 *
 * <p>Without placeholders every matching file is one input (span 0, version 0). With them, the
 * default selects the latest span at its latest version; {@link #spans(long, long)} selects a range
 * of spans, each at its latest version.
 */
public final class InputPattern implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final String SPAN = "{SPAN}";
  private static final String VERSION = "{VERSION}";

  private final String pattern;
  private final Long firstSpan;
  private final Long lastSpan;

  private InputPattern(String pattern, Long firstSpan, Long lastSpan) {
    this.pattern = Objects.requireNonNull(pattern);
    this.firstSpan = firstSpan;
    this.lastSpan = lastSpan;
    if (pattern.contains(VERSION) && !pattern.contains(SPAN)) {
      throw new InputException("pattern '" + pattern + "' has {VERSION} but no {SPAN}");
    }
    if (count(pattern, SPAN) > 1 || count(pattern, VERSION) > 1) {
      throw new InputException("pattern '" + pattern + "' names {SPAN} or {VERSION} twice");
    }
  }

  /** A pattern; a local relative one is made absolute against the working directory. */
  public static InputPattern of(String pattern) {
    if (StoragePaths.isUri(pattern)) {
      StoragePaths.checkNoDotSegments(pattern);
    }
    boolean local = !pattern.contains("://") && !pattern.startsWith("/");
    String absolute =
        local ? Paths.get("").toAbsolutePath().resolve(pattern).normalize().toString() : pattern;
    return new InputPattern(absolute, null, null);
  }

  /** Selects spans {@code first..last} (inclusive), each at its latest version. */
  public InputPattern spans(long first, long last) {
    if (!hasSpan()) {
      throw new InputException("pattern '" + pattern + "' has no {SPAN} to select spans from");
    }
    if (first > last) {
      throw new InputException("empty span range " + first + ".." + last);
    }
    return new InputPattern(pattern, first, last);
  }

  public String pattern() {
    return pattern;
  }

  public boolean hasSpan() {
    return pattern.contains(SPAN);
  }

  /**
   * Fails fast on a local path that cannot match. Beam's local file system answers a path that does
   * not exist by walking the directory tree above it, which for {@code /missing.csv} is the whole
   * machine: the run hung instead of naming the missing file.
   */
  private void checkLocalPathExists(String glob) throws InputException {
    if (isRemote(glob)) {
      return; // another file system: Beam's match is the only judge
    }
    int wildcard = -1;
    for (int i = 0; i < glob.length(); i++) {
      if ("*?[{".indexOf(glob.charAt(i)) >= 0) {
        wildcard = i;
        break;
      }
    }
    Path mustExist;
    if (wildcard < 0) {
      mustExist = Path.of(glob);
    } else {
      String prefix = glob.substring(0, wildcard);
      mustExist =
          prefix.isEmpty()
              ? null
              : prefix.endsWith("/") ? Path.of(prefix) : Path.of(prefix).getParent();
    }
    if (mustExist != null && !Files.exists(mustExist)) {
      throw new InputException(
          "no input file matches '"
              + pattern
              + "': "
              + mustExist.toAbsolutePath()
              + " does not exist");
    }
  }

  /**
   * Every file the pattern matches, in any span and version, on the local disk or a store ({@code
   * s3://...}): what a command reading it must not write over. Empty when nothing matches, or when
   * the store cannot be asked (the command's own read of the input then fails, naming why).
   */
  public List<Path> files() throws IOException {
    String glob = pattern.replace(SPAN, "*").replace(VERSION, "*");
    if (isRemote(glob)) {
      List<Path> files = new ArrayList<>();
      try {
        for (MatchResult.Metadata m : match(glob)) {
          files.add(StoragePaths.of(m.resourceId().toString()));
        }
      } catch (IOException | RuntimeException e) {
        return List.of();
      }
      return files;
    }
    try {
      checkLocalPathExists(glob);
    } catch (InputException e) {
      return List.of();
    }
    List<Path> files = new ArrayList<>();
    for (MatchResult.Metadata m : match(glob)) {
      files.add(Path.of(m.resourceId().toString()));
    }
    return files;
  }

  private static boolean isRemote(String glob) {
    return glob.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*");
  }

  /**
   * The files (not directories) matching a glob; none when nothing does. A failure names the glob
   * and why (a missing bucket, a refused credential), not only Beam's status ("ERROR").
   */
  private static List<MatchResult.Metadata> match(String glob) throws IOException {
    List<MatchResult.Metadata> files = new ArrayList<>();
    for (MatchResult.Metadata m : Storage.match(glob)) {
      if (!m.resourceId().isDirectory()) {
        files.add(m);
      }
    }
    return files;
  }

  /**
   * Matches the pattern against the file system and selects spans and versions.
   *
   * @throws InputException when nothing matches, naming the pattern
   */
  public ResolvedInput resolve() throws IOException {
    String glob = pattern.replace(SPAN, "*").replace(VERSION, "*");
    checkLocalPathExists(glob);
    List<MatchResult.Metadata> files = match(glob);
    if (files.isEmpty()) {
      throw new InputException("no input file matches '" + pattern + "'");
    }
    files.sort(Comparator.comparing(m -> m.resourceId().toString()));
    if (!hasSpan()) {
      return new ResolvedInput(pattern, null, null, files);
    }

    Pattern numbers = toRegex(pattern);
    // span -> version -> files
    TreeMap<Long, TreeMap<Long, List<MatchResult.Metadata>>> bySpan = new TreeMap<>();
    for (MatchResult.Metadata m : files) {
      Matcher matcher = numbers.matcher(m.resourceId().toString());
      if (!matcher.matches()) {
        continue;
      }
      long span = Long.parseLong(matcher.group("span"));
      long version =
          pattern.contains(VERSION) ? Long.parseLong(matcher.group("version")) : Long.MIN_VALUE;
      bySpan
          .computeIfAbsent(span, s -> new TreeMap<>())
          .computeIfAbsent(version, v -> new ArrayList<>())
          .add(m);
    }
    if (bySpan.isEmpty()) {
      throw new InputException(
          "files match '" + glob + "' but none has a numeric span where " + pattern + " says");
    }
    List<MatchResult.Metadata> selected = new ArrayList<>();
    Long version = null;
    long first = firstSpan != null ? firstSpan : bySpan.lastKey();
    long last = lastSpan != null ? lastSpan : bySpan.lastKey();
    for (long span = first; span <= last; span++) {
      TreeMap<Long, List<MatchResult.Metadata>> versions = bySpan.get(span);
      if (versions == null) {
        throw new InputException(
            "span " + span + " of '" + pattern + "' has no files; spans found: " + bySpan.keySet());
      }
      selected.addAll(versions.lastEntry().getValue());
      version = versions.lastKey() == Long.MIN_VALUE ? null : versions.lastKey();
    }
    // A range reports its last span's version: the one a single-span run would pick.
    return new ResolvedInput(pattern, first == last ? first : last, version, selected);
  }

  /** Turns the pattern into a regex capturing span and version, anchored at the end. */
  private static Pattern toRegex(String pattern) {
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < pattern.length(); ) {
      if (pattern.startsWith(SPAN, i)) {
        regex.append("(?<span>\\d+)");
        i += SPAN.length();
      } else if (pattern.startsWith(VERSION, i)) {
        regex.append("(?<version>\\d+)");
        i += VERSION.length();
      } else if (pattern.startsWith("**", i)) {
        regex.append(".*");
        i += 2;
      } else {
        char c = pattern.charAt(i++);
        if (c == '*') {
          regex.append("[^/]*");
        } else if (c == '?') {
          regex.append("[^/]");
        } else {
          regex.append(Pattern.quote(String.valueOf(c)));
        }
      }
    }
    return Pattern.compile("^" + regex + "$");
  }

  private static int count(String s, String part) {
    int n = 0;
    for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }

  @Override
  public String toString() {
    return pattern + (firstSpan != null ? " spans " + firstSpan + ".." + lastSpan : "");
  }
}
