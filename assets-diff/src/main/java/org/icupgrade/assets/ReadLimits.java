package org.icupgrade.assets;

/**
 * Bounds on what {@link ReleaseReader} accepts, so that an archive bomb (a small tar.gz that
 * expands to gigabytes, or millions of tiny entries) is refused instead of exhausting memory. Every
 * entry counts, including the ones skipped ({@code ._*}, {@code .DS_Store}, directories).
 *
 * @param maxFileBytes largest file, in bytes (default 100 MiB)
 * @param maxTotalBytes all entries together, in bytes (default 1 GiB)
 * @param maxEntries number of entries (default 100,000)
 * @param maxHeaderBytes largest extended header of a tar (a PAX header or a GNU long name or
 *     link), in bytes (default 1 MiB): such a header is held in memory, so its declared size is
 *     checked before it is read
 */
public record ReadLimits(long maxFileBytes, long maxTotalBytes, int maxEntries,
    int maxHeaderBytes) {
  /** 100 MiB per file, 1 GiB in all, 100,000 entries, 1 MiB per extended tar header. */
  public static final ReadLimits DEFAULTS =
      new ReadLimits(100L << 20, 1L << 30, 100_000, 1 << 20);

  /**
   * Limits with the default {@code maxHeaderBytes} of 1 MiB.
   *
   * @param maxFileBytes largest file, in bytes
   * @param maxTotalBytes all entries together, in bytes
   * @param maxEntries number of entries
   */
  public ReadLimits(long maxFileBytes, long maxTotalBytes, int maxEntries) {
    this(maxFileBytes, maxTotalBytes, maxEntries, 1 << 20);
  }

  /**
   * Checks the limits.
   *
   * @param maxFileBytes largest file, in bytes
   * @param maxTotalBytes all entries together, in bytes
   * @param maxEntries number of entries
   * @param maxHeaderBytes largest extended tar header, in bytes
   * @throws IllegalArgumentException when a limit is negative
   */
  public ReadLimits {
    if (maxFileBytes < 0 || maxTotalBytes < 0 || maxEntries < 0 || maxHeaderBytes < 0) {
      throw new IllegalArgumentException("read limits must not be negative: " + maxFileBytes
          + " bytes per file, " + maxTotalBytes + " bytes in all, " + maxEntries + " entries, "
          + maxHeaderBytes + " bytes per extended tar header");
    }
    if (maxFileBytes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "a file is held in one byte array, so maxFileBytes is at most about 2 GiB, got "
              + maxFileBytes);
    }
  }

  /**
   * These limits with another per-file bound.
   *
   * @param maxFileBytes largest file, in bytes
   * @return the new limits
   */
  public ReadLimits withMaxFileBytes(long maxFileBytes) {
    return new ReadLimits(maxFileBytes, maxTotalBytes, maxEntries, maxHeaderBytes);
  }

  /**
   * These limits with another total bound.
   *
   * @param maxTotalBytes all entries together, in bytes
   * @return the new limits
   */
  public ReadLimits withMaxTotalBytes(long maxTotalBytes) {
    return new ReadLimits(maxFileBytes, maxTotalBytes, maxEntries, maxHeaderBytes);
  }

  /**
   * These limits with another entry count.
   *
   * @param maxEntries number of entries
   * @return the new limits
   */
  public ReadLimits withMaxEntries(int maxEntries) {
    return new ReadLimits(maxFileBytes, maxTotalBytes, maxEntries, maxHeaderBytes);
  }

  /**
   * These limits with another bound on extended tar headers (PAX headers, GNU long names).
   *
   * @param maxHeaderBytes largest extended header, in bytes
   * @return the new limits
   */
  public ReadLimits withMaxHeaderBytes(int maxHeaderBytes) {
    return new ReadLimits(maxFileBytes, maxTotalBytes, maxEntries, maxHeaderBytes);
  }
}
