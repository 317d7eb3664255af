package io.millrace.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Gathers elements into batches of a fixed size for inference: one model call per batch instead of
 * one per record. Not thread-safe: one per bundle.
 */
final class Batches<T> {
  private final int size;
  private List<T> buffer;

  Batches(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("batch size must be positive: " + size);
    }
    this.size = size;
    this.buffer = new ArrayList<>(size);
  }

  /** Adds an element; returns the full batch when this one filled it. */
  Optional<List<T>> add(T element) {
    buffer.add(element);
    if (buffer.size() < size) {
      return Optional.empty();
    }
    List<T> full = buffer;
    buffer = new ArrayList<>(size);
    return Optional.of(full);
  }

  /** What is left, possibly nothing; the buffer starts empty again. */
  List<T> rest() {
    List<T> rest = buffer;
    buffer = new ArrayList<>(size);
    return rest;
  }
}
