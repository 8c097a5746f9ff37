package org.icupgrade.http;

import java.util.List;
import java.util.Optional;
import org.icupgrade.core.Principal;

/**
 * Checks a certificate the replica sent (spec, "Certification") and gives the values of its tree.
 * A certificate that does not verify, is stale or is malformed throws {@link
 * org.icupgrade.core.IntegrityException}: it is never read as data.
 */
@FunctionalInterface
interface CertificateCheck {
  /**
   * Verifies {@code certificate} (its CBOR bytes) for a call routed to {@code effectiveCanister}.
   *
   * @return the certified tree's values
   * @throws org.icupgrade.core.IntegrityException if it does not verify
   */
  Certified check(byte[] certificate, Principal effectiveCanister);

  /** The values of a verified certificate's tree. */
  @FunctionalInterface
  interface Certified {
    /** Spec, "Lookup": the leaf at {@code path}; empty when absent. */
    Optional<byte[]> lookup(List<byte[]> path);
  }
}
