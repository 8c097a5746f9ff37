package org.icupgrade.protocol;

import java.util.HexFormat;
import java.util.Optional;

/**
 * The outcome of looking a path up in a hash tree (spec, "Certification", "Lookup"): {@link
 * Found} a value, {@link Absent} (the tree proves the path is not in the state), {@link Unknown}
 * (the path lies in a pruned part, so the tree says nothing about it), or {@link Error} (the path
 * ends at an inner node, or runs through a leaf, of the tree).
 *
 * <p>Only {@code Absent} may be read as "there is nothing": a replica that prunes what was asked
 * for answers {@code Unknown}, and a caller treating that as "nothing" would take a hidden value for
 * a missing one.
 */
public sealed interface LookupResult
    permits LookupResult.Found, LookupResult.Absent, LookupResult.Unknown, LookupResult.Error {

  /** The path's absence is proven. */
  LookupResult ABSENT = new Absent();

  /** The path is in a pruned subtree. */
  LookupResult UNKNOWN = new Unknown();

  /** The path names an inner node, not a value. */
  LookupResult ERROR = new Error();

  /**
   * The value, only for {@link Found}.
   *
   * @return the value, empty for every other outcome
   */
  default Optional<byte[]> found() {
    return this instanceof Found f ? Optional.of(f.value()) : Optional.empty();
  }

  /**
   * A value at the path.
   *
   * @param value the leaf's bytes (copied on the way in and out)
   */
  record Found(byte[] value) implements LookupResult {
    public Found {
      value = value.clone();
    }

    @Override
    public byte[] value() {
      return value.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Found f && java.util.Arrays.equals(value, f.value);
    }

    @Override
    public int hashCode() {
      return java.util.Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return "Found[" + HexFormat.of().formatHex(value) + "]";
    }
  }

  /** Spec, "Lookup": the requested path is not in the tree. */
  record Absent() implements LookupResult {}

  /** Spec, "Lookup": the tree was pruned where the path would be; nothing can be said. */
  record Unknown() implements LookupResult {}

  /** Spec, "Lookup": the path has no value but is in the tree (it ends at a fork or label). */
  record Error() implements LookupResult {}
}
