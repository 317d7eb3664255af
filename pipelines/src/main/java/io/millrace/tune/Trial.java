package io.millrace.tune;

import io.millrace.train.ModelConfig;
import java.io.Serializable;

/** One configuration to train: its id, the tuned parameters (JSON) and the full config. */
public record Trial(String id, String parameters, ModelConfig config) implements Serializable {}
