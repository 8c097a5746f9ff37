package org.icupgrade.http;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.icupgrade.core.Principal;
import org.icupgrade.protocol.RequestId;
import org.icupgrade.protocol.Secp256k1;
import org.jspecify.annotations.Nullable;

/**
 * Who an {@link HttpAgent} signs as: the anonymous principal, a key pair read from a PEM file
 * as dfx writes it (Ed25519 {@code BEGIN PRIVATE KEY}, secp256k1 {@code BEGIN EC PRIVATE KEY}),
 * or a new Ed25519 key ({@link #generateEd25519}, written back with {@link #writePem}).
 * The sender is the key's self-authenticating principal (spec, "Principals": SHA-224 of the DER
 * public key, then {@code 0x02}).
 *
 * <p>Ed25519 signatures come from {@link Ed25519} (Bouncy Castle's arithmetic, ten times the
 * JDK's speed); secp256k1 ones from this library's own ECDSA with a
 * deterministic nonce (RFC 6979), because the JDK 17 no longer has the curve. Key material is never
 * logged nor put in a message.
 */
public final class Identity {
  /** Spec, "Signatures", Ed25519: the DER (RFC 8410) prefix of a 32-byte public key. */
  static final byte[] ED25519_DER_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

  /** Spec, "Signatures", ECDSA secp256k1: the DER prefix of an uncompressed 65-byte key. */
  static final byte[] SECP256K1_DER_PREFIX =
      HexFormat.of().parseHex("3056301006072a8648ce3d020106052b8104000a034200");

  /**
   * RFC 8410 section 7 / RFC 5958: the PKCS#8 v1 DER of an Ed25519 private key up to its 32-byte
   * seed (SEQUENCE, version 0, AlgorithmIdentifier id-Ed25519, OCTET STRING of an OCTET STRING).
   */
  private static final byte[] ED25519_PKCS8_PREFIX =
      HexFormat.of().parseHex("302e020100300506032b657004220420");

  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

  private static final Identity ANONYMOUS = new Identity(Principal.ANONYMOUS, null, null, null);

  private final Principal sender;
  private final byte @Nullable [] publicKeyDer;
  private final @Nullable Signer signer;
  /** The Ed25519 seed, kept to write the PEM back; null for other identities. */
  private final byte @Nullable [] ed25519Seed;

  /** Signs a message with the identity's private key. */
  @FunctionalInterface
  interface Signer {
    byte[] sign(byte[] message);
  }

  private Identity(Principal sender, byte @Nullable [] publicKeyDer, @Nullable Signer signer,
      byte @Nullable [] ed25519Seed) {
    this.sender = sender;
    this.publicKeyDer = publicKeyDer;
    this.signer = signer;
    this.ed25519Seed = ed25519Seed;
  }

  /**
   * A new Ed25519 identity from a fresh random key ({@link java.security.SecureRandom}), as
   * {@code dfx identity new} makes one. Keep it with {@link #writePem}.
   *
   * @return the identity
   */
  public static Identity generateEd25519() {
    byte[] seed = new byte[32];
    RANDOM.nextBytes(seed);
    try {
      return ed25519(seed);
    } finally {
      Arrays.fill(seed, (byte) 0);
    }
  }

  /**
   * The identity's private key as PEM, {@code BEGIN PRIVATE KEY} (PKCS#8, RFC 8410), as dfx
   * writes an Ed25519 identity and {@link #fromPem} reads it.
   *
   * <p><b>Warning:</b> the text is the private key; store it as dfx does (readable by its owner
   * only), never log it.
   *
   * @return the PEM text
   * @throws IllegalStateException if this is not an Ed25519 identity (anonymous or secp256k1)
   */
  public String toPem() {
    if (ed25519Seed == null) {
      throw new IllegalStateException("only an Ed25519 identity is written as PEM here; "
          + this + " is " + (publicKeyDer == null ? "anonymous" : "secp256k1"));
    }
    byte[] der = RequestId.concat(ED25519_PKCS8_PREFIX, ed25519Seed);
    try {
      return "-----BEGIN PRIVATE KEY-----\n"
          + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
          + "\n-----END PRIVATE KEY-----\n";
    } finally {
      Arrays.fill(der, (byte) 0);
    }
  }

  /**
   * Writes {@link #toPem} to {@code file}, created readable and writable by its owner only where
   * the file system has POSIX permissions (as dfx keeps {@code identity.pem}); an existing file
   * is replaced.
   *
   * @param file where to write
   * @throws IOException if the file cannot be written
   * @throws IllegalStateException if this is not an Ed25519 identity
   */
  public void writePem(Path file) throws IOException {
    String pem = toPem();
    Files.deleteIfExists(file);
    if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
          java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    } else {
      Files.createFile(file);
    }
    Files.writeString(file, pem, StandardCharsets.US_ASCII);
  }

  /**
   * The anonymous identity (principal {@code 2vxsx-fae}): requests carry no key nor signature.
   *
   * @return the anonymous identity
   */
  public static Identity anonymous() {
    return ANONYMOUS;
  }

  /**
   * The principal requests are sent as.
   *
   * @return the sender
   */
  public Principal sender() {
    return sender;
  }

  /** The DER public key for {@code sender_pubkey}; null for the anonymous identity. */
  byte @Nullable [] publicKeyDer() {
    return publicKeyDer == null ? null : publicKeyDer.clone();
  }

  /** The signature of {@code message}; only for an identity with a key. */
  byte[] sign(byte[] message) {
    if (signer == null) {
      throw new IllegalStateException("the anonymous identity does not sign");
    }
    return signer.sign(message);
  }

  /**
   * The identity dfx keeps under the name {@code name}: {@code identity.pem} in {@code
   * ~/.config/dfx/identity/<name>/}.
   *
   * @param name the dfx identity's name, such as {@code default}
   * @return the identity
   * @throws IdentityException when dfx has no such identity, keeps it encrypted (the message says
   *     how to export it), or the file holds no usable key
   */
  public static Identity dfx(String name) {
    return dfx(Path.of(System.getProperty("user.home")), name);
  }

  /** As {@link #dfx(String)}, under another home directory (tests). */
  static Identity dfx(Path home, String name) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
      throw new IllegalArgumentException("not a dfx identity name: \"" + name + "\"");
    }
    Path dir = home.resolve(".config").resolve("dfx").resolve("identity").resolve(name);
    Path pem = dir.resolve("identity.pem");
    if (!Files.exists(pem) && Files.exists(dir.resolve("identity.pem.encrypted"))) {
      throw new IdentityException(pem, "the dfx identity " + name + " is encrypted ("
          + dir.resolve("identity.pem.encrypted") + "): export a plaintext copy with `dfx"
          + " identity export " + name + " > " + name + ".pem` and pass that file's path", null);
    }
    if (!Files.exists(pem)) {
      throw new IdentityException(pem, "dfx has no identity named " + name + ": no " + pem
          + " (list them with `dfx identity list`)", null);
    }
    return fromPem(pem);
  }

  /**
   * Reads a PEM identity as dfx writes it: Ed25519 ({@code BEGIN PRIVATE KEY}, PKCS#8 v1 or v2)
   * or secp256k1 ({@code BEGIN EC PRIVATE KEY}, with or without the {@code EC PARAMETERS} block
   * dfx writes first).
   *
   * @param pem the PEM file
   * @return the identity the file holds
   * @throws IdentityException naming the file (never its content) when it is missing, unreadable,
   *     encrypted or holds neither key
   */
  public static Identity fromPem(Path pem) {
    Objects.requireNonNull(pem, "pem");
    String text;
    try {
      text = Files.readString(pem, StandardCharsets.US_ASCII);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IdentityException(pem, "no identity file at " + pem
          + ": export one with `dfx identity export <name> > identity.pem` or give the path of"
          + " an existing identity.pem", e);
    } catch (IOException e) {
      throw new IdentityException(pem, "cannot read the identity file " + pem + ": " + e, e);
    }
    if (text.contains("ENCRYPTED") || text.contains("Proc-Type: 4,ENCRYPTED")) {
      throw new IdentityException(pem, "the identity in " + pem + " is encrypted: export a"
          + " plaintext copy with `dfx identity export <name> > identity.pem` and pass that"
          + " file's path", null);
    }
    try {
      if (text.contains("BEGIN EC PRIVATE KEY")) {
        return secp256k1(secp256k1Scalar(text));
      }
      if (text.contains("BEGIN PRIVATE KEY")) {
        return ed25519(ed25519Seed(text));
      }
    } catch (RuntimeException e) {
      // The cause is dropped on purpose: parser messages may quote key material.
      throw new IdentityException(pem, "cannot read the identity in " + pem
          + ": not an Ed25519 or secp256k1 private key in PEM form (" + e.getClass().getSimpleName()
          + ")", null);
    }
    throw new IdentityException(pem, "cannot read the identity in " + pem + ": expected a PEM"
        + " private key (BEGIN PRIVATE KEY for Ed25519, BEGIN EC PRIVATE KEY for secp256k1)",
        null);
  }

  /** The Ed25519 identity of a 32-byte RFC 8032 seed. */
  static Identity ed25519(byte[] seed) {
    if (seed.length != 32) {
      throw new IllegalArgumentException("an Ed25519 seed is 32 bytes");
    }
    byte[] key = seed.clone();
    byte[] publicKey = Ed25519.publicKey(key);
    byte[] der = RequestId.concat(ED25519_DER_PREFIX, publicKey);
    return new Identity(selfAuthenticating(der), der,
        message -> Ed25519.sign(key, publicKey, message), seed.clone());
  }

  /** The secp256k1 identity of a private scalar in [1, n). */
  static Identity secp256k1(BigInteger d) {
    Secp256k1Signer signer = new Secp256k1Signer(d);
    byte[] der = RequestId.concat(SECP256K1_DER_PREFIX, signer.publicKeySec1());
    return new Identity(selfAuthenticating(der), der, signer::sign, null);
  }

  /** Spec, "Principals", self-authenticating ids: SHA-224(DER public key) ++ 0x02. */
  static Principal selfAuthenticating(byte[] der) {
    return Principal.selfAuthenticating(der);
  }

  /**
   * The private scalar of a SEC1 PEM ({@code BEGIN EC PRIVATE KEY}) on secp256k1. dfx writes an
   * {@code EC PARAMETERS} block first; it is skipped.
   */
  private static BigInteger secp256k1Scalar(String pem) {
    try (org.bouncycastle.openssl.PEMParser parser =
        new org.bouncycastle.openssl.PEMParser(new StringReader(pem))) {
      for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
        if (o instanceof org.bouncycastle.openssl.PEMKeyPair kp) {
          org.bouncycastle.asn1.ASN1Encodable curve =
              kp.getPrivateKeyInfo().getPrivateKeyAlgorithm().getParameters();
          if (!org.bouncycastle.asn1.sec.SECObjectIdentifiers.secp256k1.equals(curve)) {
            throw new IllegalArgumentException("an EC key on another curve than secp256k1");
          }
          BigInteger d = org.bouncycastle.asn1.sec.ECPrivateKey
              .getInstance(kp.getPrivateKeyInfo().parsePrivateKey()).getKey();
          if (d.signum() <= 0 || d.compareTo(Secp256k1.N) >= 0) {
            throw new IllegalArgumentException("the secp256k1 scalar is out of range");
          }
          return d;
        }
      }
      throw new IllegalArgumentException("no EC private key");
    } catch (IOException e) {
      throw new IllegalArgumentException("not a readable secp256k1 key", null);
    }
  }

  /** The 32-byte seed of an Ed25519 PKCS#8 PEM (v1, or v2 with the public key as dfx writes). */
  private static byte[] ed25519Seed(String pem) {
    try (org.bouncycastle.openssl.PEMParser parser =
        new org.bouncycastle.openssl.PEMParser(new StringReader(pem))) {
      Object o = parser.readObject();
      if (!(o instanceof org.bouncycastle.asn1.pkcs.PrivateKeyInfo info)
          || !info.getPrivateKeyAlgorithm().getAlgorithm()
              .equals(org.bouncycastle.asn1.edec.EdECObjectIdentifiers.id_Ed25519)) {
        throw new IllegalArgumentException("not an Ed25519 PKCS#8 key");
      }
      return org.bouncycastle.asn1.ASN1OctetString.getInstance(info.parsePrivateKey())
          .getOctets();
    } catch (IOException e) {
      throw new IllegalArgumentException("not a readable Ed25519 key", null);
    }
  }

  @Override
  public String toString() {
    return "Identity " + sender;
  }
}
