package io.millrace.artifact;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.common.hash.Hashing;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * What two runs that computed the same thing agree on, byte for byte: a SHA-256 over an artifact's
 * content without what records when, where, how fast and in which shards a run went. {@code
 * millrace runs compare} compares runs by it.
 *
 * <p>It is not the fingerprint the cache and the registry verify ({@link ContentDigest}, every byte
 * as written): that one must notice any change to a file, this one must not notice a timestamp. Per
 * file, by relative path (hidden staging names and the commit marker left out):
 *
 * <ul>
 *   <li>HTML reports are left out: they render the other files with times and paths.
 *   <li>JSON files count without the fields in {@link #CIRCUMSTANCES} and without any field whose
 *       name ends in one of {@link #TIMING_SUFFIXES}; an absolute path or URI counts as its last
 *       name only (the root and the input's folder differ between users, not the content).
 *   <li>Sharded files (example shards {@code *.avro}, dead letters) count per folder as the
 *       multiset of their records, so the runner's choice of shards and record order does not
 *       count.
 *   <li>Every other file (stats.pb, schema.pbtxt, anomalies, vocabularies, SavedModel files) counts
 *       by its bytes.
 * </ul>
 */
public final class ReproducibilityFingerprint {
  private ReproducibilityFingerprint() {}

  private static final String KIND = "millrace-reproducibility/1";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final BigInteger MULTISET_MODULUS = BigInteger.ONE.shiftLeft(256);

  /** JSON fields that say when, on which runner or in which shards a run went. */
  public static final Set<String> CIRCUMSTANCES =
      Set.of("createdAt", "pushedAt", "startedAt", "endedAt", "runner", "shards");

  /** Field name endings of durations and throughputs. */
  public static final List<String> TIMING_SUFFIXES =
      List.of("Millis", "Nanos", "Seconds", "PerSecond");

  private static final Pattern ABSOLUTE = Pattern.compile("^(/|[A-Za-z][A-Za-z0-9+.-]*://).*");

  /** The fingerprint of a file or a directory's files; hex SHA-256. */
  public static String of(Path artifact) throws IOException {
    Map<String, String> parts = new TreeMap<>();
    if (Files.isRegularFile(artifact)) {
      addFile(parts, artifact.getFileName().toString(), artifact);
    } else {
      Map<String, Multiset> sharded = new TreeMap<>();
      List<Path> files;
      try (Stream<Path> walk = Files.walk(artifact)) {
        files = walk.filter(Files::isRegularFile).toList();
      }
      for (Path file : files) {
        String relative = artifact.relativize(file).toString().replace('\\', '/');
        if (hidden(relative)) {
          continue;
        }
        String name = file.getFileName().toString();
        String folder =
            relative.contains("/") ? relative.substring(0, relative.lastIndexOf('/')) : "";
        if (name.endsWith(".avro")) {
          sharded.computeIfAbsent(folder + "/*.avro", f -> new Multiset()).addAvroRecords(file);
        } else if (folder.equals("dead-letter") || folder.endsWith("/dead-letter")) {
          sharded.computeIfAbsent(folder + "/*", f -> new Multiset()).addJsonLines(file);
        } else {
          addFile(parts, relative, file);
        }
      }
      sharded.forEach((folder, records) -> parts.put(folder, records.digest()));
    }
    ContentDigest.Parts digest = ContentDigest.parts(KIND);
    parts.forEach((path, part) -> digest.add(path).add(part));
    return digest.sha256();
  }

  private static boolean hidden(String relative) {
    for (String name : relative.split("/")) {
      if (name.startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  private static void addFile(Map<String, String> parts, String relative, Path file)
      throws IOException {
    if (relative.endsWith(".html")) {
      return;
    }
    if (relative.endsWith(".json")) {
      parts.put(relative, sha256(content(JSON.readTree(Files.readAllBytes(file)))));
    } else {
      parts.put(relative, ContentDigest.sha256(file));
    }
  }

  /** The canonical JSON of a record of a run, as the fingerprint counts it. */
  public static String content(JsonNode json) {
    return CanonicalJson.of(withoutCircumstances(json));
  }

  private static JsonNode withoutCircumstances(JsonNode node) {
    if (node.isObject()) {
      ObjectNode kept = JSON.createObjectNode();
      node.fields()
          .forEachRemaining(
              field -> {
                String name = field.getKey();
                if (!CIRCUMSTANCES.contains(name)
                    && TIMING_SUFFIXES.stream().noneMatch(name::endsWith)) {
                  kept.set(name, withoutCircumstances(field.getValue()));
                }
              });
      return kept;
    }
    if (node.isArray()) {
      ArrayNode kept = JSON.createArrayNode();
      node.forEach(element -> kept.add(withoutCircumstances(element)));
      return kept;
    }
    if (node.isTextual() && ABSOLUTE.matcher(node.asText()).matches()) {
      String path = node.asText().replaceAll("/+$", "");
      return TextNode.valueOf(path.substring(path.lastIndexOf('/') + 1));
    }
    return node;
  }

  private static String sha256(String text) {
    return Hashing.sha256().hashString(text, StandardCharsets.UTF_8).toString();
  }

  /**
   * A multiset of records as the sum of their SHA-256 digests modulo 2^256 (an additive multiset
   * hash) and their count: independent of how records are spread over files and ordered, in
   * constant memory however many records there are.
   */
  private static final class Multiset {
    private BigInteger sum = BigInteger.ZERO;
    private long count;
    private String schema = "";

    private void add(byte[] record) {
      sum = sum.add(new BigInteger(1, Hashing.sha256().hashBytes(record).asBytes()));
      if (sum.bitLength() > 256) {
        sum = sum.mod(MULTISET_MODULUS);
      }
      count++;
    }

    void addAvroRecords(Path file) throws IOException {
      try (InputStream in = Files.newInputStream(file);
          DataFileStream<GenericRecord> avro =
              new DataFileStream<>(in, new GenericDatumReader<>())) {
        // Shards of one folder share their schema; it is content (the features and their types).
        schema = avro.getSchema().toString();
        GenericDatumWriter<GenericRecord> writer = new GenericDatumWriter<>(avro.getSchema());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = null;
        GenericRecord record = null;
        while (avro.hasNext()) {
          record = avro.next(record);
          bytes.reset();
          encoder = EncoderFactory.get().binaryEncoder(bytes, encoder);
          writer.write(record, encoder);
          encoder.flush();
          add(bytes.toByteArray());
        }
      }
    }

    void addJsonLines(Path file) throws IOException {
      try (BufferedReader lines = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          if (!line.isBlank()) {
            add(content(JSON.readTree(line)).getBytes(StandardCharsets.UTF_8));
          }
        }
      }
    }

    String digest() {
      return ContentDigest.parts("multiset")
          .add(schema)
          .add(Long.toString(count))
          .add(sum.toString(16))
          .sha256();
    }
  }
}
