package org.icupgrade.http;

import org.icupgrade.core.Principal;
import org.icupgrade.protocol.Certificate;

/**
 * Checks a certificate the replica sent (spec, "Certification") and gives it back verified, to
 * look its values up in (found, absent, unknown or error: spec, "Lookup"). A certificate that
 * does not verify, is stale or is malformed throws {@link org.icupgrade.core.IntegrityException}:
 * it is never read as data.
 */
@FunctionalInterface
interface CertificateCheck {
  /**
   * Verifies {@code certificate} (its CBOR bytes) for a call routed to {@code effectiveCanister}.
   *
   * @return the verified certificate
   * @throws org.icupgrade.core.IntegrityException if it does not verify
   */
  Certificate check(byte[] certificate, Principal effectiveCanister);
}
