package org.icupgrade.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * An immutable SHA-256 digest: 32 bytes, printed as lower-case hex.
 *
 * <p>Equality is constant-time (every byte is compared, as {@link MessageDigest#isEqual} does)
 * because digests are compared against values an attacker may choose (a release's published
 * checksum, a canister's reported hash), and a comparison that stops at the first differing byte
 * leaks how many bytes matched.
 */
public final class Sha256 {
  /** Length of a digest in bytes. */
  public static final int LENGTH = 32;

  private static final HexFormat HEX = HexFormat.of();

  // Never updated: every newDigest() is a clone of it. Null if the provider cannot clone.
  private static final @Nullable MessageDigest PROTOTYPE = cloneablePrototype();

  private static final VarHandle WORDS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private final byte[] bytes;

  private Sha256(byte[] bytes) {
    this.bytes = bytes;
  }

  private static @Nullable MessageDigest cloneablePrototype() {
    MessageDigest md = lookUp();
    try {
      md.clone();
      return md;
    } catch (CloneNotSupportedException e) {
      return null;
    }
  }

  /** The digest of these bytes. */
  public static Sha256 of(byte[] data) {
    MessageDigest md = newDigest();
    md.update(data);
    return new Sha256(md.digest());
  }

  /** The digest of the remaining bytes of this buffer; the buffer's position is not changed. */
  public static Sha256 of(ByteBuffer data) {
    MessageDigest md = newDigest();
    md.update(data.duplicate());
    return new Sha256(md.digest());
  }

  /** The digest of everything the stream yields; the stream is read to its end, not closed. */
  public static Sha256 of(InputStream in) {
    MessageDigest md = newDigest();
    byte[] buf = new byte[64 * 1024];
    try {
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Sha256(md.digest());
  }

  /** Wraps 32 digest bytes (copied). */
  public static Sha256 fromBytes(byte[] digest) {
    if (digest.length != LENGTH) {
      throw new IllegalArgumentException(
          "a SHA-256 digest has 32 bytes, got " + digest.length);
    }
    return new Sha256(digest.clone());
  }

  /** Wraps the digest a {@link MessageDigest} for SHA-256 produced; the array is taken, not copied. */
  public static Sha256 fromDigest(MessageDigest finished) {
    return new Sha256(finished.digest());
  }

  /** Parses 64 hex characters, either case. */
  public static Sha256 fromHex(String hex) {
    String h = hex.strip();
    if (h.length() != 2 * LENGTH) {
      throw new IllegalArgumentException(
          "a SHA-256 digest is 64 hex characters, got " + h.length() + ": \"" + hex + "\"");
    }
    try {
      return new Sha256(HEX.parseHex(h));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a hex SHA-256 digest: \"" + hex + "\"", e);
    }
  }

  /** A fresh SHA-256 {@link MessageDigest}. */
  public static MessageDigest newDigest() {
    // MessageDigest.getInstance looks the algorithm up in the provider list on every call, which
    // costs more than hashing a small file; a clone of a fresh prototype is the same digest.
    MessageDigest prototype = PROTOTYPE;
    if (prototype != null) {
      try {
        return (MessageDigest) prototype.clone();
      } catch (CloneNotSupportedException e) {
        // a provider whose digests cannot be cloned: look it up each time instead
      }
    }
    return lookUp();
  }

  private static MessageDigest lookUp() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform provides SHA-256", e);
    }
  }

  /**
   * Feeds the 32 digest bytes to {@code md}, without the copy {@link #toBytes()} makes.
   *
   * @param md the digest to update
   */
  public void updateDigest(MessageDigest md) {
    md.update(bytes);
  }

  /** A copy of the 32 digest bytes. */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /** Lower-case hex, 64 characters. */
  public String hex() {
    return HEX.formatHex(bytes);
  }

  /** Compares in constant time. */
  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Sha256 s)) {
      return false;
    }
    byte[] a = bytes;
    byte[] b = s.bytes;
    if (a.length != LENGTH || b.length != LENGTH) {
      return MessageDigest.isEqual(a, b);
    }
    // Constant-time too, 8 bytes at a time: every word is compared, whatever differs first.
    long diff = 0;
    for (int i = 0; i < LENGTH; i += Long.BYTES) {
      diff |= (long) WORDS.get(a, i) ^ (long) WORDS.get(b, i);
    }
    return diff == 0;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return hex();
  }
}
