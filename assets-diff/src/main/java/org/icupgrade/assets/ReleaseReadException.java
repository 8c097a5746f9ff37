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

  public ReleaseReadException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
