package org.icupgrade.assets;

import org.icupgrade.core.IcException;
import org.jspecify.annotations.Nullable;

/**
 * A frontend release could not be read: the file or directory cannot be opened, or the gzip or tar
 * stream is corrupt or cut short. Nothing was sent anywhere. The subclass
 * {@link UnsafeArchiveException} says that the release was read but one of its entries is refused.
 */
public class ReleaseReadException extends IcException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what could not be read, naming the file or entry
   * @param cause the I/O failure behind it, if any
   */
  public ReleaseReadException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
