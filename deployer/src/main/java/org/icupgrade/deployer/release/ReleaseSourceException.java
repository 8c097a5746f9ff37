package org.icupgrade.deployer.release;

import org.icupgrade.core.IcException;
import org.jspecify.annotations.Nullable;

/** A release source could not be read or refused the request; the message says what to do. */
public final class ReleaseSourceException extends IcException {
  private static final long serialVersionUID = 1L;

  /** Whether trying again later may succeed. */
  private final boolean retryable;

  /**
   * A failure to read the source.
   *
   * @param message what failed and what to do, for the caller
   * @param retryable whether trying again later may succeed
   * @param cause the underlying failure, or null
   */
  public ReleaseSourceException(String message, boolean retryable, @Nullable Throwable cause) {
    super(message, cause);
    this.retryable = retryable;
  }

  @Override
  public boolean isTransient() {
    return retryable;
  }
}
