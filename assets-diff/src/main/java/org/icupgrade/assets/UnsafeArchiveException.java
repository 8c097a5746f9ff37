package org.icupgrade.assets;

/**
 * A release archive or directory has an entry that could escape the release or lie about what it
 * is (an absolute path, {@code ..}, a link, a device, a duplicate key, a name that is not valid
 * UTF-8) or goes beyond the {@link ReadLimits}. Nothing was sent anywhere; fix or rebuild the
 * archive.
 */
public final class UnsafeArchiveException extends ReleaseReadException {
  private static final long serialVersionUID = 1L;

  private final String entryName;

  public UnsafeArchiveException(String entryName, String reason) {
    super("release entry \"" + entryName + "\" refused: " + reason, null);
    this.entryName = entryName;
  }

  /** The entry's name as the archive gives it. */
  public String entryName() {
    return entryName;
  }
}
