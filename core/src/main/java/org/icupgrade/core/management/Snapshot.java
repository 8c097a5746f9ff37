package org.icupgrade.core.management;

/**
 * {@code snapshot}: its id, when it was taken (nanoseconds since the epoch, an unsigned
 * {@code nat64} held in a {@code long}), and its size in bytes.
 */
public record Snapshot(SnapshotId id, long takenAtTimestampNanos, long totalSize) {}
