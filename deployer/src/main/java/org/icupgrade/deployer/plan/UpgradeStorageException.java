package org.icupgrade.deployer.plan;

import org.icupgrade.core.IcException;
import org.icupgrade.core.Principal;
import org.jspecify.annotations.Nullable;

/**
 * An upgrade request refused before anything was done: one exception type whose
 * {@link #reason()} says which refusal it is, so a service can map it to its own API
 * ({@code switch (e.reason())}). The message says what to do.
 */
public final class UpgradeStorageException extends IcException {
  private static final long serialVersionUID = 1L;

  /** Why the request was refused. */
  public enum Reason {
    /** No record of this canister for this caller (strangers are not told a record exists). */
    NOT_FOUND,
    /** The record's owner no longer controls the canister. */
    NOT_OWNER,
    /** The canister is not (yet) in the Completed state, e.g. still being created. */
    NOT_COMPLETED,
    /** The canister already runs what the requested scope would install. */
    NO_UPDATE_AVAILABLE,
    /** No release has been fully downloaded and verified yet. */
    RELEASE_NOT_READY,
    /** An upgrade of this canister is running. */
    ALREADY_UPGRADING
  }

  /** Why the request was refused. */
  private final Reason reason;
  /** The canister the request was about. */
  private final Principal canisterId;

  /**
   * A refusal.
   *
   * @param reason why
   * @param canisterId the canister the request was about
   * @param message what to do, for the caller
   */
  public UpgradeStorageException(Reason reason, Principal canisterId, String message) {
    this(reason, canisterId, message, null);
  }

  /**
   * A refusal with its cause.
   *
   * @param reason why
   * @param canisterId the canister the request was about
   * @param message what to do, for the caller
   * @param cause what made the request fail, or null
   */
  public UpgradeStorageException(
      Reason reason, Principal canisterId, String message, @Nullable Throwable cause) {
    super(reason + ": " + message, cause);
    this.reason = reason;
    this.canisterId = canisterId;
  }

  /** Only {@code RELEASE_NOT_READY} and {@code ALREADY_UPGRADING} may pass by themselves. */
  @Override
  public boolean isTransient() {
    return reason == Reason.RELEASE_NOT_READY || reason == Reason.ALREADY_UPGRADING;
  }

  /**
   * Which refusal this is.
   *
   * @return the reason
   */
  public Reason reason() {
    return reason;
  }

  /**
   * The canister the request was about.
   *
   * @return the canister
   */
  public Principal canisterId() {
    return canisterId;
  }
}
