package org.icupgrade.http;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.icupgrade.core.IcException;
import org.icupgrade.core.IntegrityException;
import org.icupgrade.core.Principal;
import org.icupgrade.protocol.Cbor;
import org.icupgrade.protocol.HashTree;

/**
 * The certificate check of the agent: the signature against the root key, the tree's hash, and
 * the certificate's {@code /time} no older than {@code maxAge} by the agent's clock (spec,
 * "Certification").
 */
final class CertificateVerifier implements CertificateCheck {
  private final byte[] rootKey;
  private final Clock clock;
  private final Duration maxAge;

  CertificateVerifier(byte[] rootKey, Clock clock, Duration maxAge) {
    this.rootKey = rootKey.clone();
    this.clock = clock;
    this.maxAge = maxAge;
  }

  @Override
  public Certified check(byte[] certificate, Principal effectiveCanister) {
    HashTree tree;
    byte[] signature;
    try {
      Object decoded = Cbor.decode(certificate);
      if (!(decoded instanceof Map<?, ?> m) || !(m.get("signature") instanceof byte[] sig)
          || m.get("tree") == null) {
        throw new IntegrityException("the replica's certificate is not a map {tree, signature}"
            + " (spec, \"Certification\"): refused");
      }
      if (m.get("delegation") != null) {
        throw new IntegrityException("the replica's certificate carries a subnet delegation,"
            + " which this agent cannot verify yet: refused");
      }
      signature = sig;
      tree = HashTree.fromCbor(m.get("tree"));
    } catch (IntegrityException e) {
      throw e;
    } catch (IcException | IllegalArgumentException | ClassCastException
        | IndexOutOfBoundsException e) {
      throw new IntegrityException("the replica's certificate is malformed (" + e.getMessage()
          + "): refused");
    }
    byte[] message = org.icupgrade.protocol.RequestId.concat(
        HashTree.domainSep("ic-state-root"), tree.digest());
    if (!BlsCheck.verify(rootKey, message, signature)) {
      throw new IntegrityException("the replica's certificate is not signed by the root key"
          + " (a tampered tree, or another key): refused; if this is a local replica, give its"
          + " root key (HttpAgent.Builder.fetchRootKey or rootKey)");
    }
    checkTime(tree);
    return path -> tree.lookup(path);
  }

  private void checkTime(HashTree tree) {
    Optional<byte[]> time = tree.lookup(List.of("time".getBytes(StandardCharsets.US_ASCII)));
    if (time.isEmpty()) {
      throw new IntegrityException("the replica's certificate has no /time: refused");
    }
    BigInteger nanos = leb128(time.get());
    Instant at = Instant.ofEpochSecond(0, 0).plusNanos(nanos.min(BigInteger.valueOf(Long.MAX_VALUE))
        .longValue());
    Instant now = clock.instant();
    if (at.isBefore(now.minus(maxAge))) {
      throw new IntegrityException("the replica's certificate is stale: its time " + at
          + " is more than " + maxAge.toSeconds() + " s before this machine's " + now
          + "; refused (check this machine's clock if it is wrong)");
    }
    if (at.isAfter(now.plus(maxAge))) {
      throw new IntegrityException("the replica's certificate is from the future: its time " + at
          + " is more than " + maxAge.toSeconds() + " s after this machine's " + now
          + "; refused (check this machine's clock if it is wrong)");
    }
  }

  private static BigInteger leb128(byte[] b) {
    BigInteger v = BigInteger.ZERO;
    int shift = 0;
    for (byte x : b) {
      v = v.or(BigInteger.valueOf(x & 0x7f).shiftLeft(shift));
      shift += 7;
      if ((x & 0x80) == 0) {
        return v;
      }
      if (shift > 70) {
        break;
      }
    }
    throw new IntegrityException("the replica's certificate has a malformed /time: refused");
  }
}
