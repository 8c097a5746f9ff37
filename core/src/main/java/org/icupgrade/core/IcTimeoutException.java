package org.icupgrade.core;

import org.jspecify.annotations.Nullable;

/** A call or an operation did not finish in the time it was given; its outcome is unknown. */
public class IcTimeoutException extends IcException {
  private static final long serialVersionUID = 1L;

  public IcTimeoutException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }

  /**
   * True: waiting longer or asking again may succeed. The call may have run, so a caller repeats
   * it only when running twice is harmless or after checking its effect (see
   * {@link org.icupgrade.core.calls.RetryPolicy}).
   */
  @Override
  public boolean isTransient() {
    return true;
  }
}
