package org.icupgrade.assets;

/**
 * A release archive or directory has an entry that could escape the release or lie about what it
 * is (an absolute path, {@code ..}, a link, a device, a duplicate key, a name that is not valid
 * UTF-8) or goes beyond the {@link ReadLimits}. Nothing was sent anywhere; fix or rebuild the
 * archive.
 */
public final class UnsafeArchiveException extends ReleaseReadException {
  private static final long serialVersionUID = 1L;

  /** The refused entry's name. */
  private final String entryName;

  /**
   * Refuses an entry.
   *
   * @param entryName the entry's name as the archive gives it
   * @param reason why it was refused, for the message
   */
  public UnsafeArchiveException(String entryName, String reason) {
    super("release entry \"" + entryName + "\" refused: " + reason, null);
    this.entryName = entryName;
  }

  /**
   * The entry's name as the archive gives it.
   *
   * @return the name
   */
  public String entryName() {
    return entryName;
  }
}
