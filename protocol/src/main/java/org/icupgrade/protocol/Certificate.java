package org.icupgrade.protocol;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.icupgrade.core.Principal;
import org.jspecify.annotations.Nullable;

/**
 * A certificate of the IC's state (spec, "Certification"): {@code {tree, signature,
 * delegation?}}, the signature a BLS signature ({@link Bls12381}) over {@code "\x0Dic-state-root"
 * ++ tree digest} by the root key or, with a delegation, by a subnet's key that a certificate
 * signed by the root key vouches for.
 *
 * <p>{@link #decode} only parses; nothing read from a certificate may be trusted before {@link
 * #verify} returns. Decoding is bounded as {@link Cbor} and {@link HashTree#fromCbor} are, and a
 * malformed certificate is a {@link MalformedCertificateException}, never a {@link
 * ClassCastException}.
 */
public final class Certificate {
  /** Spec, "Certification": the domain separator of the signed state root. */
  private static final byte[] STATE_ROOT_DOMAIN = HashTree.domainSep("ic-state-root");

  private final HashTree tree;
  private final byte[] signature;
  private final @Nullable Principal delegationSubnet;
  private final @Nullable Certificate delegationCertificate;

  private Certificate(HashTree tree, byte[] signature, @Nullable Principal delegationSubnet,
      @Nullable Certificate delegationCertificate) {
    this.tree = tree;
    this.signature = signature;
    this.delegationSubnet = delegationSubnet;
    this.delegationCertificate = delegationCertificate;
  }

  /**
   * Parses a CBOR certificate (with or without the self-describing tag).
   *
   * @param cbor the certificate's bytes
   * @return the certificate, not yet verified
   * @throws MalformedCertificateException if it is not a certificate as the spec encodes one, or
   *     its delegation's certificate has a delegation itself (the spec allows one level)
   */
  public static Certificate decode(byte[] cbor) {
    return decode(cbor, true);
  }

  private static Certificate decode(byte[] cbor, boolean allowDelegation) {
    Object value;
    try {
      value = Cbor.decode(cbor);
    } catch (Cbor.CborException e) {
      throw new MalformedCertificateException("not CBOR: " + e.getMessage());
    }
    if (!(value instanceof Map<?, ?> m)) {
      throw new MalformedCertificateException("not a CBOR map {tree, signature, delegation?}");
    }
    if (!m.containsKey("tree")) {
      throw new MalformedCertificateException("no tree");
    }
    HashTree tree = HashTree.fromCbor(m.get("tree"));
    if (!(m.get("signature") instanceof byte[] sig)) {
      throw new MalformedCertificateException("no signature byte string");
    }
    Object d = m.get("delegation");
    if (d == null) {
      return new Certificate(tree, sig.clone(), null, null);
    }
    if (!allowDelegation) {
      throw new MalformedCertificateException("a delegation's certificate has a delegation"
          + " itself; the spec allows one level");
    }
    if (!(d instanceof Map<?, ?> dm) || !(dm.get("subnet_id") instanceof byte[] subnet)
        || !(dm.get("certificate") instanceof byte[] inner)) {
      throw new MalformedCertificateException("the delegation is not {subnet_id: blob,"
          + " certificate: blob}");
    }
    if (subnet.length > Principal.MAX_LENGTH) {
      throw new MalformedCertificateException("the delegation's subnet_id is " + subnet.length
          + " bytes, more than a principal's " + Principal.MAX_LENGTH);
    }
    return new Certificate(tree, sig.clone(), Principal.fromBytes(subnet), decode(inner, false));
  }

  /**
   * The message a certificate's signature covers: {@code "\x0Dic-state-root" ++ tree.digest()}.
   *
   * @param tree the certified tree
   * @return the bytes to sign
   */
  public static byte[] signedMessage(HashTree tree) {
    return RequestId.concat(STATE_ROOT_DOMAIN, tree.digest());
  }

  /**
   * The certified tree.
   *
   * @return the tree
   */
  public HashTree tree() {
    return tree;
  }

  /**
   * The 48-byte BLS signature, as received.
   *
   * @return a copy of the signature
   */
  public byte[] signature() {
    return signature.clone();
  }

  /**
   * The subnet whose key signed this certificate, if it carries a delegation.
   *
   * @return the subnet id, or empty if the root key signed it
   */
  public Optional<Principal> delegationSubnet() {
    return Optional.ofNullable(delegationSubnet);
  }

  /**
   * The tree of the delegation's certificate, if this certificate carries a delegation: where
   * the signing subnet's key and canister ranges are certified (spec, "Delegation").
   *
   * @return the delegation's tree, or empty if the root key signed this certificate
   */
  public Optional<HashTree> delegationTree() {
    return Optional.ofNullable(delegationCertificate).map(Certificate::tree);
  }

  /**
   * Spec, "Lookup": the outcome of looking {@code path} up in the tree: found, absent, unknown
   * (pruned) or error.
   *
   * @param path the labels
   * @return the outcome
   */
  public LookupResult lookup(List<byte[]> path) {
    return tree.lookup(path);
  }

  /**
   * {@link #lookup(List)} with labels given as text (UTF-8) or, for {@code byte[]} labels, as is.
   *
   * @param path labels, each a {@code String} or a {@code byte[]}
   * @return the outcome
   * @throws IllegalArgumentException if a label is neither
   */
  public LookupResult lookup(Object... path) {
    return tree.lookup(labels(path));
  }

  private static List<byte[]> labels(Object... path) {
    List<byte[]> labels = new ArrayList<>();
    for (Object o : path) {
      if (o instanceof byte[] b) {
        labels.add(b);
      } else if (o instanceof String s) {
        labels.add(s.getBytes(StandardCharsets.UTF_8));
      } else {
        throw new IllegalArgumentException("a path label is a String or a byte[], not "
            + o.getClass().getName());
      }
    }
    return labels;
  }

  /**
   * Spec, "Certification": the certificate's {@code /time} (nanoseconds since the epoch).
   *
   * @return the time
   * @throws CertificateException if the tree has no {@code time} leaf, or it is not LEB128 of at
   *     most 64 bits
   */
  public Instant time() {
    byte[] leb = lookup("time").found().orElseThrow(() ->
        new CertificateException("the certificate has no /time leaf (spec, \"Certification\":"
            + " every certificate holds one)"));
    BigInteger nanos = leb128(leb);
    BigInteger[] secs = nanos.divideAndRemainder(BigInteger.valueOf(1_000_000_000L));
    return Instant.ofEpochSecond(secs[0].longValueExact(), secs[1].longValue());
  }

  /**
   * Verifies the certificate, or throws saying what failed (spec, "Certification",
   * "Validation"): the signature over {@link #signedMessage} by the root key; with a delegation,
   * the delegation's certificate verified against the root key, the subnet's key read at {@code
   * /subnet/<id>/public_key} in it, {@code expectedCanister} inside one of the ranges the
   * delegation scopes it to ({@link #inCanisterRanges}: {@code /canister_ranges/<id>/…} when
   * present, else {@code /subnet/<id>/canister_ranges}), and this certificate's signature by
   * that subnet key; finally this certificate's {@code /time} within {@code maxAge} of {@code
   * now} (either way: a time further in the future than that is refused too).
   *
   * @param rootKeyDer the root key in the IC's DER form (mainnet's, or a local replica's)
   * @param expectedCanister the canister the certificate is for (checked against a delegation)
   * @param now the current time
   * @param maxAge how far the certificate's time may be from {@code now}
   * @throws CertificateException if any check fails (the message names it)
   * @throws Bls12381.BlsException if {@code rootKeyDer} is not a DER BLS12-381 public key
   */
  public void verify(byte[] rootKeyDer, Principal expectedCanister, Instant now, Duration maxAge) {
    Objects.requireNonNull(expectedCanister, "expectedCanister");
    byte[] rootKey = Bls12381.derUnwrap(rootKeyDer);
    byte[] key = rootKey;
    String signer = "the root key";
    if (delegationSubnet != null && delegationCertificate != null) {
      key = subnetKey(rootKey, delegationSubnet, delegationCertificate, expectedCanister);
      signer = "subnet " + delegationSubnet + "'s key (from the delegation)";
    }
    checkSignature(key, signer);
    Instant time = time();
    if (time.isBefore(now.minus(maxAge)) || time.isAfter(now.plus(maxAge))) {
      throw new CertificateException("the certificate's time " + time + " is more than " + maxAge
          + " from now (" + now + "): a stale or replayed certificate; ask again for a fresh one");
    }
  }

  private void checkSignature(byte[] key, String signer) {
    boolean ok;
    try {
      ok = Bls12381.verify(key, signedMessage(tree), signature);
    } catch (Bls12381.BlsException e) {
      throw new CertificateException("the certificate's signature or " + signer
          + " does not decode: " + e.getMessage());
    }
    if (!ok) {
      throw new CertificateException("the certificate's signature does not verify against "
          + signer + ": the tree was altered or another key signed it");
    }
  }

  private static byte[] subnetKey(byte[] rootKey, Principal subnet, Certificate delegation,
      Principal canister) {
    String where = "/subnet/" + subnet;
    delegation.checkSignature(rootKey, "the root key (delegation certificate of subnet "
        + subnet + ")");
    // Spec, "Delegation": check_delegation needs lookup(["subnet", id, "public_key"]) = Found.
    byte[] der = delegation.lookup("subnet", subnet.toBytes(), "public_key").found()
        .orElseThrow(() -> new CertificateException("the delegation's certificate has no "
            + where + "/public_key"));
    byte[] key;
    try {
      key = Bls12381.derUnwrap(der);
    } catch (Bls12381.BlsException e) {
      throw new CertificateException(where + "/public_key in the delegation is not a DER"
          + " BLS12-381 key: " + e.getMessage());
    }
    if (!inCanisterRanges(delegation.tree, subnet, canister)) {
      throw new CertificateException("canister " + canister + " is not in the canister ranges of"
          + " subnet " + subnet + " whose key signed the certificate: that subnet may not"
          + " certify this canister");
    }
    return key;
  }

  /**
   * Whether {@code tree} certifies {@code canister} inside the canister ranges of {@code
   * subnet}. Spec, "Delegation": a delegation's scope is {@code lookup*(["canister_ranges",
   * subnet_id])}, the shards at {@code /canister_ranges/<subnet_id>/<range_start>} ("Canister
   * ranges" in the state tree); a tree without that subtree, as older replicas certify, is read
   * at {@code /subnet/<subnet_id>/canister_ranges} (one blob of every range; "Subnet
   * information").
   *
   * @param tree a verified certificate's tree
   * @param subnet the subnet whose ranges are read
   * @param canister the canister to find in them
   * @return true if a range holds the canister
   * @throws CertificateException if neither form is in the tree
   * @throws MalformedCertificateException if a ranges value is not CBOR {@code [[low, high]*]}
   */
  public static boolean inCanisterRanges(HashTree tree, Principal subnet, Principal canister) {
    List<byte[]> sharded = List.of(bytes("canister_ranges"), subnet.toBytes());
    if (tree.contains(sharded)) {
      for (byte[] shard : tree.lookupAll(sharded)) {
        if (inRanges(shard, canister.toBytes())) {
          return true;
        }
      }
      return false;
    }
    byte[] flat = tree.lookup(List.of(bytes("subnet"), subnet.toBytes(),
        bytes("canister_ranges"))).found().orElseThrow(() -> new CertificateException(
            "the certificate has neither /canister_ranges/" + subnet + " nor /subnet/" + subnet
            + "/canister_ranges: it does not say which canisters subnet " + subnet
            + " may certify"));
    return inRanges(flat, canister.toBytes());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Spec, "Subnet information" and "Canister ranges": CBOR, an array of [low, high] principal
   * pairs (closed intervals in the principals' byte order).
   */
  private static boolean inRanges(byte[] cbor, byte[] id) {
    Object value;
    try {
      value = Cbor.decode(cbor);
    } catch (Cbor.CborException e) {
      throw new MalformedCertificateException("canister_ranges is not CBOR: " + e.getMessage());
    }
    if (!(value instanceof List<?> list)) {
      throw new MalformedCertificateException("canister_ranges is not an array");
    }
    for (Object r : list) {
      if (!(r instanceof List<?> pair) || pair.size() != 2
          || !(pair.get(0) instanceof byte[] low) || !(pair.get(1) instanceof byte[] high)) {
        throw new MalformedCertificateException("a canister range is not [low, high] blobs");
      }
      if (Arrays.compareUnsigned(low, id) <= 0 && Arrays.compareUnsigned(id, high) <= 0) {
        return true;
      }
    }
    return false;
  }

  /** Unsigned LEB128 of at most 64 bits, all bytes consumed. */
  private static BigInteger leb128(byte[] b) {
    if (b.length == 0 || b.length > 10 || (b[b.length - 1] & 0x80) != 0) {
      throw new MalformedCertificateException("/time is not an unsigned LEB128 number of at"
          + " most 64 bits: " + HexFormat.of().formatHex(b));
    }
    BigInteger n = BigInteger.ZERO;
    for (int i = b.length - 1; i >= 0; i--) {
      n = n.shiftLeft(7).or(BigInteger.valueOf(b[i] & 0x7f));
      if (i < b.length - 1 && (b[i] & 0x80) == 0) {
        throw new MalformedCertificateException("/time has a LEB128 byte without continuation"
            + " before its end");
      }
    }
    if (n.bitLength() > 64) {
      throw new MalformedCertificateException("/time exceeds 64 bits");
    }
    return n;
  }
}
