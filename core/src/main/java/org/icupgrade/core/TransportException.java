package org.icupgrade.core;

import org.jspecify.annotations.Nullable;

/** The call did not reach the IC or its answer did not come back (connection, HTTP, decoding). */
public class TransportException extends IcException {
  private static final long serialVersionUID = 1L;

  private final boolean retryable;

  public TransportException(String message, boolean retryable, @Nullable Throwable cause) {
    super(message, cause);
    this.retryable = retryable;
  }

  @Override
  public boolean isTransient() {
    return retryable;
  }
}
