package io.millrace.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.millrace.model.LoadedModel.Predictions;
import io.millrace.serving.proto.tensorflow.framework.DataType;
import io.millrace.serving.proto.tensorflow.framework.TensorProto;
import io.millrace.serving.proto.tensorflow.framework.TensorShapeProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.Map;

/**
 * gRPC's tensors as the REST API's columns ({@code "inputs": {name: [one value per row]}}), so that
 * both read records through {@link InputSignature#columns} with the same checks and messages; and
 * predictions as a float tensor.
 *
 * <p>An input is a tensor of shape {@code [N]} (one value per row) or {@code [N, K]} (K values per
 * row); int64 and int32 for INT features, double and float for FLOAT, string for BYTES (read as
 * bytes, unchanged). A tensor has no missing values: a raw feature left out of a row needs REST's
 * {@code null}.
 */
final class TensorColumns {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private TensorColumns() {}

  /** The tensors as a JSON object of columns, or a 400 naming the input that cannot be one. */
  static ObjectNode columns(Map<String, TensorProto> inputs) {
    ObjectNode columns = JSON.objectNode();
    for (Map.Entry<String, TensorProto> input : inputs.entrySet()) {
      columns.set(input.getKey(), column("inputs." + input.getKey(), input.getValue()));
    }
    return columns;
  }

  private static ArrayNode column(String where, TensorProto tensor) {
    TensorShapeProto shape = tensor.getTensorShape();
    if (shape.getUnknownRank() || shape.getDimCount() < 1 || shape.getDimCount() > 2) {
      throw ApiException.badRequest(
          where
              + " has shape "
              + describe(shape)
              + "; give one value per row ([N]) or K values per row ([N, K])");
    }
    long rows = shape.getDim(0).getSize();
    long width = shape.getDimCount() == 2 ? shape.getDim(1).getSize() : 1;
    if (rows < 0 || width < 1) {
      throw ApiException.badRequest(
          where + " has shape " + describe(shape) + "; sizes must be known");
    }
    JsonNode[] values = values(where, tensor);
    // Sizes a client made up may multiply beyond a long: wrapped, they could equal the count.
    long expected;
    try {
      expected = Math.multiplyExact(rows, width);
    } catch (ArithmeticException e) {
      expected = -1;
    }
    if (expected != values.length) {
      throw ApiException.badRequest(
          where
              + " has "
              + values.length
              + " values, its shape "
              + describe(shape)
              + " says "
              + (expected < 0 ? "more than " + Long.MAX_VALUE : expected));
    }
    ArrayNode column = JSON.arrayNode();
    for (int r = 0; r < rows; r++) {
      if (shape.getDimCount() == 1) {
        column.add(values[r]);
      } else {
        ArrayNode row = column.addArray();
        for (int k = 0; k < width; k++) {
          row.add(values[(int) (r * width + k)]);
        }
      }
    }
    return column;
  }

  /** How many values of {@code bytes} each a tensor_content holds; refused unless whole. */
  private static int packedCount(String where, ByteString content, int bytes, DataType dtype) {
    if (content.size() % bytes != 0) {
      throw ApiException.badRequest(
          where
              + " has "
              + content.size()
              + " bytes of tensor_content, not a whole number of "
              + dtype
              + " values of "
              + bytes
              + " bytes");
    }
    return content.size() / bytes;
  }

  private static JsonNode[] values(String where, TensorProto tensor) {
    ByteString content = tensor.getTensorContent();
    ByteBuffer packed = content.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    boolean isPacked = !content.isEmpty();
    DataType dtype = tensor.getDtype();
    JsonNode[] out;
    switch (dtype) {
      case DT_INT64 -> {
        out =
            new JsonNode
                [isPacked ? packedCount(where, content, 8, dtype) : tensor.getInt64ValCount()];
        for (int i = 0; i < out.length; i++) {
          out[i] = JSON.numberNode(isPacked ? packed.getLong(i * 8) : tensor.getInt64Val(i));
        }
      }
      case DT_INT32 -> {
        out =
            new JsonNode
                [isPacked ? packedCount(where, content, 4, dtype) : tensor.getIntValCount()];
        for (int i = 0; i < out.length; i++) {
          out[i] = JSON.numberNode((long) (isPacked ? packed.getInt(i * 4) : tensor.getIntVal(i)));
        }
      }
      case DT_DOUBLE -> {
        out =
            new JsonNode
                [isPacked ? packedCount(where, content, 8, dtype) : tensor.getDoubleValCount()];
        for (int i = 0; i < out.length; i++) {
          out[i] = JSON.numberNode(isPacked ? packed.getDouble(i * 8) : tensor.getDoubleVal(i));
        }
      }
      case DT_FLOAT -> {
        out =
            new JsonNode
                [isPacked ? packedCount(where, content, 4, dtype) : tensor.getFloatValCount()];
        for (int i = 0; i < out.length; i++) {
          out[i] =
              JSON.numberNode((double) (isPacked ? packed.getFloat(i * 4) : tensor.getFloatVal(i)));
        }
      }
      case DT_STRING -> {
        // As REST's {"b64": ...}: the bytes reach the feature unchanged, UTF-8 or not.
        out = new JsonNode[tensor.getStringValCount()];
        for (int i = 0; i < out.length; i++) {
          out[i] =
              JSON.objectNode()
                  .put(
                      "b64",
                      Base64.getEncoder().encodeToString(tensor.getStringVal(i).toByteArray()));
        }
      }
      default ->
          throw ApiException.badRequest(
              where
                  + " has dtype "
                  + dtype
                  + "; inputs take DT_INT64 or DT_INT32 (integer features), DT_DOUBLE or DT_FLOAT"
                  + " (float features), DT_STRING (bytes features)");
    }
    return out;
  }

  private static String describe(TensorShapeProto shape) {
    if (shape.getUnknownRank()) {
      return "of unknown rank";
    }
    StringBuilder text = new StringBuilder("[");
    for (int d = 0; d < shape.getDimCount(); d++) {
      text.append(d == 0 ? "" : ", ").append(shape.getDim(d).getSize());
    }
    return text.append(']').toString();
  }

  /** Predictions as a float tensor: shape [N], or [N, K] when each row has K class scores. */
  static TensorProto floats(Predictions predictions, boolean perClass) {
    TensorShapeProto.Builder shape =
        TensorShapeProto.newBuilder()
            .addDim(TensorShapeProto.Dim.newBuilder().setSize(predictions.rows()));
    if (perClass) {
      shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(predictions.width()));
    }
    TensorProto.Builder tensor =
        TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(shape);
    for (int r = 0; r < predictions.rows(); r++) {
      for (int k = 0; k < (perClass ? predictions.width() : 1); k++) {
        tensor.addFloatVal(predictions.get(r, k));
      }
    }
    return tensor.build();
  }
}
