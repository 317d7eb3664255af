package io.millrace.serving;

import io.millrace.model.LoadedModel;

/**
 * One version of a served model and where it is in its life, as TensorFlow Serving reports it:
 * {@code LOADING}, {@code AVAILABLE}, {@code UNLOADING}, {@code END} (unloaded, or its load failed:
 * then {@code error} says why).
 */
final class ServedVersion {
  enum State {
    LOADING,
    AVAILABLE,
    UNLOADING,
    END
  }

  private final String name;
  private final int version;
  private volatile State state = State.LOADING;
  private volatile String error = "";
  private volatile LoadedModel model;

  ServedVersion(String name, int version) {
    this.name = name;
    this.version = version;
  }

  String name() {
    return name;
  }

  int version() {
    return version;
  }

  State state() {
    return state;
  }

  /** Why the load failed; empty when it did not. */
  String error() {
    return error;
  }

  void loaded(LoadedModel loaded) {
    this.model = loaded;
    this.state = State.AVAILABLE;
  }

  void failed(String message) {
    this.error = message;
    this.state = State.END;
  }

  /** The loaded model, or a 404 naming the version and its state when it serves nothing. */
  LoadedModel requireAvailable() {
    LoadedModel loaded = model;
    if (state != State.AVAILABLE || loaded == null) {
      throw ApiException.notFound(
          "version "
              + version
              + " of model '"
              + name
              + "' is "
              + state
              + (error.isEmpty() ? "" : ": " + error));
    }
    return loaded;
  }

  void unload() {
    LoadedModel loaded = model;
    if (loaded != null) {
      state = State.UNLOADING;
      model = null;
      loaded.close();
    }
    state = State.END;
  }
}
