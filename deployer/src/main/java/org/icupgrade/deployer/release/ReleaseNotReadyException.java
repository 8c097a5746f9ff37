package org.icupgrade.deployer.release;

import org.icupgrade.core.IcException;
import org.jspecify.annotations.Nullable;

/**
 * No release has been fully downloaded and verified yet:
 * refresh the {@link ReleaseCatalog}, or wait for its schedule. The cause, when present, is why
 * the last refresh failed.
 */
public final class ReleaseNotReadyException extends IcException {
  private static final long serialVersionUID = 1L;

  /**
   * No release is ready.
   *
   * @param message what to do, for the caller
   * @param lastFailure why the last refresh failed, or null when none has
   */
  public ReleaseNotReadyException(String message, @Nullable Throwable lastFailure) {
    super(message, lastFailure);
  }

  /** Always true: a later refresh may make a release ready. */
  @Override
  public boolean isTransient() {
    return true;
  }
}
