package org.icupgrade.core;

import java.util.Arrays;
import java.util.Locale;
import java.util.zip.CRC32;

/**
 * An Internet Computer principal: a user, a canister id, or the management canister.
 *
 * <p>The textual form is the one every IC tool prints: a big-endian CRC32 of the raw bytes followed
 * by the bytes, encoded as lower-case base32 without padding and grouped in fives with dashes
 * ({@code rrkah-fqaaa-aaaaa-aaaaq-cai}). Instances are immutable and compare by their bytes.
 */
public final class Principal implements Comparable<Principal> {
  /** The longest principal the IC accepts, in bytes (interface spec, "Principals"). */
  public static final int MAX_LENGTH = 29;

  /** The management canister {@code aaaaa-aa}. */
  public static final Principal MANAGEMENT_CANISTER = new Principal(new byte[0]);

  /** The anonymous principal {@code 2vxsx-fae}. */
  public static final Principal ANONYMOUS = new Principal(new byte[] {0x04});

  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

  private final byte[] bytes;

  private Principal(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Returns the principal with these raw bytes (copied). */
  public static Principal fromBytes(byte[] bytes) {
    if (bytes.length > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "a principal has at most " + MAX_LENGTH + " bytes, got " + bytes.length);
    }
    return new Principal(bytes.clone());
  }

  /**
   * The self-authenticating principal of a public key (interface spec, "Principals":
   * {@code SHA-224(DER public key) · 0x02}), the id a key's owner sends as and a subnet's key
   * names its subnet by.
   *
   * @param derPublicKey the public key, DER-encoded
   * @return the key's principal
   */
  public static Principal selfAuthenticating(byte[] derPublicKey) {
    try {
      byte[] h = java.security.MessageDigest.getInstance("SHA-224").digest(derPublicKey);
      byte[] id = Arrays.copyOf(h, h.length + 1);
      id[h.length] = 0x02;
      return new Principal(id);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-224", e);
    }
  }

  /**
   * Parses the textual form.
   *
   * @throws IllegalArgumentException naming what is wrong: a character outside base32, misplaced
   *     dashes, a length that no principal has, or a checksum that does not match
   */
  public static Principal fromText(String text) {
    String lower = text.toLowerCase(Locale.ROOT);
    StringBuilder b32 = new StringBuilder(lower.length());
    for (int i = 0; i < lower.length(); i++) {
      char c = lower.charAt(i);
      if (c == '-') {
        if ((i + 1) % 6 != 0) {
          throw new IllegalArgumentException(
              "invalid principal \"" + text + "\": dash at position " + i
                  + " (dashes separate groups of five characters)");
        }
        continue;
      }
      if (ALPHABET.indexOf(c) < 0) {
        throw new IllegalArgumentException(
            "invalid principal \"" + text + "\": character '" + c + "' is not base32");
      }
      b32.append(c);
    }
    byte[] decoded = base32Decode(b32, text);
    if (decoded.length < 4) {
      throw new IllegalArgumentException("invalid principal \"" + text + "\": too short");
    }
    byte[] raw = Arrays.copyOfRange(decoded, 4, decoded.length);
    if (raw.length > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "invalid principal \"" + text + "\": " + raw.length + " bytes, at most "
              + MAX_LENGTH + " allowed");
    }
    Principal p = new Principal(raw);
    String canonical = p.toText();
    if (!canonical.equals(lower)) {
      long expected = crc32(raw);
      long found = ((decoded[0] & 0xFFL) << 24) | ((decoded[1] & 0xFFL) << 16)
          | ((decoded[2] & 0xFFL) << 8) | (decoded[3] & 0xFFL);
      if (expected != found) {
        throw new IllegalArgumentException(
            "invalid principal \"" + text + "\": checksum mismatch (a character is mistyped?)");
      }
      throw new IllegalArgumentException(
          "invalid principal \"" + text + "\": not in canonical form, expected " + canonical);
    }
    return p;
  }

  /** Returns a copy of the raw bytes. */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /** The number of raw bytes. */
  public int length() {
    return bytes.length;
  }

  /** Whether this is the management canister {@code aaaaa-aa}. */
  public boolean isManagementCanister() {
    return bytes.length == 0;
  }

  /** Whether this is the anonymous principal. */
  public boolean isAnonymous() {
    return bytes.length == 1 && bytes[0] == 0x04;
  }

  /** The textual form, e.g. {@code rrkah-fqaaa-aaaaa-aaaaq-cai}. */
  public String toText() {
    byte[] withCrc = new byte[bytes.length + 4];
    long crc = crc32(bytes);
    withCrc[0] = (byte) (crc >>> 24);
    withCrc[1] = (byte) (crc >>> 16);
    withCrc[2] = (byte) (crc >>> 8);
    withCrc[3] = (byte) crc;
    System.arraycopy(bytes, 0, withCrc, 4, bytes.length);
    String b32 = base32Encode(withCrc);
    StringBuilder out = new StringBuilder(b32.length() + b32.length() / 5);
    for (int i = 0; i < b32.length(); i++) {
      if (i > 0 && i % 5 == 0) {
        out.append('-');
      }
      out.append(b32.charAt(i));
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return toText();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Principal p && Arrays.equals(bytes, p.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** Orders by the raw bytes, unsigned, shorter first on a common prefix (as the IC sorts). */
  @Override
  public int compareTo(Principal o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }

  private static long crc32(byte[] data) {
    CRC32 crc = new CRC32();
    crc.update(data);
    return crc.getValue();
  }

  private static String base32Encode(byte[] data) {
    StringBuilder sb = new StringBuilder((data.length * 8 + 4) / 5);
    int buffer = 0;
    int bits = 0;
    for (byte b : data) {
      buffer = (buffer << 8) | (b & 0xFF);
      bits += 8;
      while (bits >= 5) {
        sb.append(ALPHABET.charAt((buffer >>> (bits - 5)) & 31));
        bits -= 5;
      }
    }
    if (bits > 0) {
      sb.append(ALPHABET.charAt((buffer << (5 - bits)) & 31));
    }
    return sb.toString();
  }

  private static byte[] base32Decode(CharSequence s, String original) {
    int rem = (s.length() * 5) % 8;
    if (rem >= 5) {
      throw new IllegalArgumentException(
          "invalid principal \"" + original + "\": length " + s.length()
              + " is not a valid base32 length");
    }
    byte[] out = new byte[s.length() * 5 / 8];
    int buffer = 0;
    int bits = 0;
    int pos = 0;
    for (int i = 0; i < s.length(); i++) {
      buffer = (buffer << 5) | ALPHABET.indexOf(s.charAt(i));
      bits += 5;
      if (bits >= 8) {
        out[pos++] = (byte) (buffer >>> (bits - 8));
        bits -= 8;
      }
    }
    return out;
  }
}
