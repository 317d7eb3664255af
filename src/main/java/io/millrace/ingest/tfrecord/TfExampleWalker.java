package io.millrace.ingest.tfrecord;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;

/**
 * Walks the features of a serialized {@code tf.Example} without generated classes or per-feature
 * objects: {@code Example{features=1: Features{feature=1: map<string, Feature>}}}.
 *
 * <p>Each map entry's key is passed as a range of the record's bytes, so subclasses can look names
 * up without decoding a string per feature and record.
 */
abstract class TfExampleWalker {
  static final int BYTES_LIST = 1;
  static final int FLOAT_LIST = 2;
  static final int INT64_LIST = 3;

  private static final int FEATURES_TAG = tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int ENTRY_TAG = tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int KEY_TAG = tag(1, WireFormat.WIRETYPE_LENGTH_DELIMITED);
  private static final int VALUE_TAG = tag(2, WireFormat.WIRETYPE_LENGTH_DELIMITED);

  static int tag(int field, int wireType) {
    return (field << 3) | wireType;
  }

  /**
   * Called for each feature of the example.
   *
   * @param record the serialized example, holding the name at {@code [nameStart, nameStart +
   *     nameLength)}
   * @param feature the {@code Feature} message, limited to it; null when the entry has no value,
   *     which protobuf reads as an empty {@code Feature}
   * @return false to stop walking (the record is rejected)
   */
  abstract boolean onFeature(byte[] record, int nameStart, int nameLength, CodedInputStream feature)
      throws IOException;

  /**
   * Walks a serialized example.
   *
   * @return false when {@link #onFeature} stopped the walk
   * @throws IOException ({@code InvalidProtocolBufferException}) when the bytes are not a valid
   *     protobuf message
   */
  final boolean walk(byte[] record, int length) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(record, 0, length);
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == FEATURES_TAG) {
        int limit = in.pushLimit(in.readRawVarint32());
        if (!walkFeatures(record, in)) {
          return false;
        }
        in.popLimit(limit);
      } else if (!in.skipField(tag)) {
        break;
      }
    }
    return true;
  }

  private boolean walkFeatures(byte[] record, CodedInputStream in) throws IOException {
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == ENTRY_TAG) {
        int limit = in.pushLimit(in.readRawVarint32());
        if (!walkEntry(record, in)) {
          return false;
        }
        in.popLimit(limit);
      } else if (!in.skipField(tag)) {
        break;
      }
    }
    return true;
  }

  private boolean walkEntry(byte[] record, CodedInputStream in) throws IOException {
    // The top-level stream starts at offset 0 of the record, so bytes read are record offsets.
    int nameStart = -1;
    int nameLength = 0;
    int valueStart = -1;
    int valueLength = 0;
    boolean handled = false;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == KEY_TAG) {
        nameLength = in.readRawVarint32();
        nameStart = in.getTotalBytesRead();
        in.skipRawBytes(nameLength);
      } else if (tag == VALUE_TAG) {
        int size = in.readRawVarint32();
        if (nameStart >= 0) {
          // Writers put the key first: the feature is read in place.
          int limit = in.pushLimit(size);
          if (!onFeature(record, nameStart, nameLength, in)) {
            return false;
          }
          in.skipRawBytes(in.getBytesUntilLimit());
          in.popLimit(limit);
          handled = true;
        } else {
          valueStart = in.getTotalBytesRead();
          valueLength = size;
          in.skipRawBytes(size);
        }
      } else if (!in.skipField(tag)) {
        break;
      }
    }
    if (handled) {
      return true;
    }
    if (nameStart < 0) {
      nameStart = 0; // a missing key is the empty string
    }
    CodedInputStream feature =
        valueStart >= 0 ? CodedInputStream.newInstance(record, valueStart, valueLength) : null;
    return onFeature(record, nameStart, nameLength, feature);
  }
}
