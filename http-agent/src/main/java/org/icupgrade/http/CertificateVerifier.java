package org.icupgrade.http;

import java.time.Clock;
import java.time.Duration;
import org.icupgrade.core.IntegrityException;
import org.icupgrade.core.Principal;
import org.icupgrade.protocol.Bls12381;
import org.icupgrade.protocol.Certificate;
import org.icupgrade.protocol.CertificateException;

/**
 * The agent's certificate check, protocol's {@link Certificate}: the BLS12-381 signature against
 * the root key (or a subnet delegation's key, the canister inside its ranges), the tree's hash,
 * and the certificate's {@code /time} within {@code maxAge} of the agent's clock (spec,
 * "Certification"). Any failure is an {@link IntegrityException}; nothing of a certificate is
 * read before it verified.
 */
final class CertificateVerifier implements CertificateCheck {
  private final byte[] rootKey;
  private final Clock clock;
  private final Duration maxAge;

  /**
   * @throws Bls12381.BlsException if {@code rootKey} is not the DER form of a BLS12-381 key
   */
  CertificateVerifier(byte[] rootKey, Clock clock, Duration maxAge) {
    Bls12381.derUnwrap(rootKey);
    this.rootKey = rootKey.clone();
    this.clock = clock;
    this.maxAge = maxAge;
  }

  @Override
  public Certificate check(byte[] certificate, Principal effectiveCanister) {
    Certificate c = Certificate.decode(certificate);
    try {
      c.verify(rootKey, effectiveCanister, clock.instant(), maxAge);
    } catch (CertificateException e) {
      throw e;
    } catch (Bls12381.BlsException e) {
      throw new IntegrityException("the replica's certificate cannot be checked: "
          + e.getMessage());
    }
    return c;
  }
}
