package org.icupgrade.core;

import org.jspecify.annotations.Nullable;

/**
 * The root of every error this library raises. Unchecked: a caller acts on the subclasses
 * ({@link CanisterRejectException}, {@link TransportException}, {@link IntegrityException},
 * {@link IcTimeoutException}) or lets it propagate.
 */
public class IcException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public IcException(String message) {
    super(message);
  }

  public IcException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }

  /**
   * Whether repeating the same call may succeed: true only for failures of the transport or of the
   * system that say so, never for a canister's or the management canister's verdict.
   */
  public boolean isTransient() {
    return false;
  }
}
