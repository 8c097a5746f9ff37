package org.icupgrade.protocol;

import org.icupgrade.core.IntegrityException;

/**
 * A certificate that must not be trusted (spec, "Certification"): its signature does not verify
 * against the root key or its delegation, its delegation does not cover the canister, its time is
 * outside the accepted age, or a path it must hold is absent. The message says which. Never retry
 * with the same certificate; a fresh one from an honest replica verifies.
 */
public class CertificateException extends IntegrityException {
  private static final long serialVersionUID = 1L;

  /**
   * A failure saying what did not hold.
   *
   * @param message what failed
   */
  public CertificateException(String message) {
    super(message);
  }
}
