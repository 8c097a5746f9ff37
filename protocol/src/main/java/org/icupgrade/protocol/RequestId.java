package org.icupgrade.protocol;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The representation-independent hash (spec, "Request ids" and "Representation-independent
 * hashing of structured data"): a map hashes to SHA-256 of its fields' {@code H(key) ++ H(value)}
 * sorted and concatenated; a blob to its SHA-256, a text to the SHA-256 of its UTF-8, a natural
 * to the SHA-256 of its unsigned LEB128, an array to the SHA-256 of its elements' hashes
 * concatenated, and a map nested in a value to its own hash.
 */
public final class RequestId {
  private RequestId() {}

  public static byte[] sha256(byte[]... parts) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      for (byte[] p : parts) {
        d.update(p);
      }
      return d.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** The request id of a request's content map. */
  public static byte[] of(Map<String, ?> content) {
    return hashOfMap(content);
  }

  public static byte[] hashOfMap(Map<String, ?> map) {
    List<byte[]> fields = new ArrayList<>();
    for (Map.Entry<String, ?> e : map.entrySet()) {
      fields.add(concat(sha256(e.getKey().getBytes(StandardCharsets.UTF_8)), hash(e.getValue())));
    }
    fields.sort(Arrays::compareUnsigned);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    fields.forEach(out::writeBytes);
    return sha256(out.toByteArray());
  }

  @SuppressWarnings("unchecked")
  private static byte[] hash(Object v) {
    if (v instanceof byte[] b) {
      return sha256(b);
    }
    if (v instanceof String s) {
      return sha256(s.getBytes(StandardCharsets.UTF_8));
    }
    if (v instanceof Long || v instanceof Integer) {
      long n = ((Number) v).longValue();
      if (n < 0) {
        throw new IllegalArgumentException("a request field is a negative integer: " + n);
      }
      return sha256(leb128(BigInteger.valueOf(n)));
    }
    if (v instanceof BigInteger b) {
      return sha256(leb128(b));
    }
    if (v instanceof List<?> list) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (Object o : list) {
        out.writeBytes(hash(o));
      }
      return sha256(out.toByteArray());
    }
    if (v instanceof Map<?, ?> m) {
      return hashOfMap((Map<String, ?>) m);
    }
    throw new IllegalArgumentException("a request field of type "
        + (v == null ? "null" : v.getClass().getSimpleName()) + " has no representation-"
        + "independent hash (spec, \"Request ids\")");
  }

  public static byte[] leb128(BigInteger n) {
    if (n.signum() < 0) {
      throw new IllegalArgumentException("LEB128 of a negative number");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BigInteger v = n;
    do {
      int b = v.intValue() & 0x7f;
      v = v.shiftRight(7);
      out.write(v.signum() == 0 ? b : b | 0x80);
    } while (v.signum() != 0);
    return out.toByteArray();
  }

  public static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
