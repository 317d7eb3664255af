package io.millrace.stage;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleDeserializers;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.millrace.artifact.CanonicalJson;
import io.millrace.artifact.StoragePaths;
import io.millrace.evaluate.EvaluationConfig;
import io.millrace.stats.StatisticsOptions;
import io.millrace.train.ModelConfig;
import io.millrace.transform.TransformSpec;
import io.millrace.tune.ModelConfigJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The two JSON forms of a stage: its settings as canonical JSON for the cache key, and its result
 * with paths relative to the stage's directory, so that a cached result read back names the files
 * where they are now.
 */
final class StageJson {
  /** The attribute holding the directory result paths are relative to. */
  private static final String BASE = "stage-directory";

  private static final ObjectMapper SETTINGS = new ObjectMapper().registerModule(settingsModule());
  private static final ObjectMapper RESULTS =
      new ObjectMapper()
          .registerModule(resultsModule())
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private StageJson() {}

  /** The settings as canonical JSON: keys sorted, numbers in plain form. */
  static String settings(Record settings) {
    return CanonicalJson.of(SETTINGS.valueToTree(settings));
  }

  /** The result as JSON, each path under {@code directory} relative to it. */
  static String result(StageResult result, Path directory) throws IOException {
    return RESULTS.writer().withAttribute(BASE, directory).writeValueAsString(result);
  }

  /** A result {@link #result} wrote, its relative paths resolved against {@code directory}. */
  static <R> R result(String json, Class<R> type, Path directory) throws IOException {
    return RESULTS.readerFor(type).withAttribute(BASE, directory).readValue(json);
  }

  /**
   * The settings' own JSON forms for the options and definitions that have one, so the key changes
   * exactly when what they mean does; a path is absolute.
   */
  private static SimpleModule settingsModule() {
    SimpleModule module = new SimpleModule("stage-settings");
    module.addSerializer(Path.class, serializer(p -> p.toAbsolutePath().normalize().toString()));
    // The options' own description, which the statistics manifest records too.
    module.addSerializer(StatisticsOptions.class, serializer(StatisticsOptions::toString));
    module.addSerializer(TransformSpec.class, tree(spec -> spec.toJson()));
    module.addSerializer(ModelConfig.class, tree(ModelConfigJson::write));
    module.addSerializer(EvaluationConfig.class, tree(EvaluationConfig::toJson));
    return module;
  }

  private static SimpleModule resultsModule() {
    SimpleModule module = new SimpleModule("stage-results");
    module.addSerializer(
        Path.class,
        new JsonSerializer<>() {
          @Override
          public void serialize(Path path, JsonGenerator out, SerializerProvider provider)
              throws IOException {
            Path base = (Path) provider.getAttribute(BASE);
            Path absolute = path.toAbsolutePath().normalize();
            boolean inside = base != null && absolute.startsWith(base.toAbsolutePath().normalize());
            out.writeString(
                inside
                    ? base.toAbsolutePath().normalize().relativize(absolute).toString()
                    : absolute.toString());
          }
        });
    // Protocol buffers (the anomalies) in their proto3 JSON form.
    module.addSerializer(
        Message.class,
        new JsonSerializer<>() {
          @Override
          public void serialize(Message message, JsonGenerator out, SerializerProvider provider)
              throws IOException {
            out.writeRawValue(
                JsonFormat.printer().omittingInsignificantWhitespace().print(message));
          }
        });
    SimpleDeserializers deserializers =
        new SimpleDeserializers() {
          @Override
          public JsonDeserializer<?> findBeanDeserializer(
              JavaType type, DeserializationConfig config, BeanDescription description)
              throws JsonMappingException {
            if (Message.class.isAssignableFrom(type.getRawClass())) {
              return new ProtoDeserializer(type.getRawClass());
            }
            return super.findBeanDeserializer(type, config, description);
          }
        };
    deserializers.addDeserializer(
        Path.class,
        new JsonDeserializer<>() {
          @Override
          public Path deserialize(JsonParser in, DeserializationContext context)
              throws IOException {
            Path path = StoragePaths.of(in.getValueAsString());
            Path base = (Path) context.getAttribute(BASE);
            return path.isAbsolute() || base == null ? path : base.resolve(path).normalize();
          }
        });
    module.setDeserializers(deserializers);
    return module;
  }

  /** A message of one generated class from its proto3 JSON. */
  private static final class ProtoDeserializer extends JsonDeserializer<Message> {
    private final Class<?> type;

    ProtoDeserializer(Class<?> type) {
      this.type = type;
    }

    @Override
    public Message deserialize(JsonParser in, DeserializationContext context) throws IOException {
      String json = in.readValueAsTree().toString();
      try {
        Message.Builder builder = (Message.Builder) type.getMethod("newBuilder").invoke(null);
        JsonFormat.parser().merge(json, builder);
        return builder.build();
      } catch (ReflectiveOperationException e) {
        throw new IOException("cannot build a " + type.getName() + ": " + e.getMessage(), e);
      }
    }
  }

  @FunctionalInterface
  private interface Text<T> {
    String of(T value) throws IOException;
  }

  private static <T> JsonSerializer<T> serializer(Text<T> text) {
    return new JsonSerializer<>() {
      @Override
      public void serialize(T value, JsonGenerator out, SerializerProvider provider)
          throws IOException {
        out.writeString(text.of(value));
      }
    };
  }

  /** Writes the value's own JSON text as a JSON tree. */
  private static <T> JsonSerializer<T> tree(Text<T> json) {
    return new JsonSerializer<>() {
      @Override
      public void serialize(T value, JsonGenerator out, SerializerProvider provider)
          throws IOException {
        JsonNode node;
        try {
          node = SETTINGS.readTree(json.of(value));
        } catch (UncheckedIOException e) {
          throw e.getCause();
        }
        out.writeTree(node);
      }
    };
  }
}
