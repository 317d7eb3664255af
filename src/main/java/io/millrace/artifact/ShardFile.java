package io.millrace.artifact;

import java.io.Serializable;

/** One committed shard of a sharded write: its file name, record count, size and SHA-256 (hex). */
public record ShardFile(String name, long records, long sizeBytes, String sha256)
    implements Serializable {}
