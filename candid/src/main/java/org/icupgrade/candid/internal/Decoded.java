package org.icupgrade.candid.internal;

import java.math.BigInteger;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.icupgrade.core.CandidException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.jspecify.annotations.Nullable;

/**
 * One value of a decoded Candid message, with where it is: the message (such as
 * {@code canister_status reply}) and the field path (such as {@code settings.controllers[2]}).
 * Reading it as a type it does not have throws a {@link CandidException} naming both, so every
 * decoder of {@link ManagementCandid} and {@link AssetCandid} fails one way, and never with a
 * {@link ClassCastException}: the value's class is checked before it is used.
 *
 * <p>Numbers: {@link CandidDecoder} gives {@code nat} and {@code int} as {@link BigInteger},
 * {@code nat8}/{@code nat16} as {@code Integer}, {@code nat32} as {@code Long}, and the 64-bit
 * types as the {@code long} with the same bits (it does not tell {@code nat64} from {@code int64}),
 * so a {@code Long} is read unsigned where a {@code nat} is expected and signed where an
 * {@code int} is.
 */
public final class Decoded {
  private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);
  private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger INT_MAX = BigInteger.valueOf(Integer.MAX_VALUE);
  private static final BigInteger NAT16_MAX = BigInteger.valueOf(0xFFFF);

  /**
   * The cause of a {@link CandidException} that says the value does not have the type it is read
   * as (a wrong type, a missing field, a variant tag not asked for): in the Candid spec's terms,
   * the value does not decode at that type. Inside an {@code opt} that makes the {@code opt} null
   * (see {@link #opt(Function)}); a value of the right type that this library cannot hold (a nat
   * over 2^63 read as a long, a hash that is not 32 bytes) is no such failure, and stays an error.
   */
  private static final class NotOfType extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotOfType() {
      super("the value does not decode at the expected type", null, false, false);
    }
  }

  /** A variant value: its tag, among those asked for, and its payload. */
  public record Variant(String tag, Decoded payload) {}

  private final @Nullable Object raw;
  private final String method;
  private final String path;

  private Decoded(@Nullable Object raw, String method, String path) {
    this.raw = raw;
    this.method = method;
    this.path = path;
  }

  /**
   * The top value of a message.
   *
   * @param method what the message is, for errors: {@code upload_chunk argument},
   *     {@code canister_status reply}
   */
  public static Decoded of(@Nullable Object raw, String method) {
    return new Decoded(raw, method, "");
  }

  /** The value of field {@code name} of this record or variant. */
  Decoded field(String name, @Nullable Object value) {
    return new Decoded(value, method, path.isEmpty() ? name : path + "." + name);
  }

  private Decoded element(int index, @Nullable Object value) {
    return new Decoded(value, method, path + "[" + index + "]");
  }

  /** The message this value is in, such as {@code canister_status reply}. */
  public String method() {
    return method;
  }

  /** The field path, such as {@code settings.controllers}; {@code null} for the top value. */
  public @Nullable String field() {
    return path.isEmpty() ? null : path;
  }

  /** The error "this value is wrong because {@code detail}", naming the message and field. */
  public CandidException error(String detail) {
    return new CandidException(method, field(), detail, null);
  }

  /**
   * The error "this value does not have the type it is read as, because {@code detail}": inside an
   * {@code opt} read with {@link #opt(Function)}, the {@code opt} is null instead.
   */
  CandidException notOfType(String detail) {
    return new CandidException(method, field(), detail, new NotOfType());
  }

  private CandidException expected(String what) {
    return notOfType("expected " + what + ", got " + describe(raw));
  }

  public Fields record() {
    if (raw instanceof Map<?, ?> m) {
      return new Fields(m, this);
    }
    throw expected("a record");
  }

  /** This value read as a variant whose tag is one of {@code tags}. */
  public Variant variant(String... tags) {
    if (!(raw instanceof Map<?, ?> m) || m.size() != 1) {
      throw expected("a variant");
    }
    Map.Entry<?, ?> e = m.entrySet().iterator().next();
    if (e.getKey() instanceof Long id) {
      for (String t : tags) {
        if (Idl.hash(t) == id) {
          return new Variant(t, field(t, e.getValue()));
        }
      }
    }
    throw notOfType("unknown variant tag " + e.getKey() + ", expected one of "
        + Arrays.toString(tags));
  }

  public boolean bool() {
    if (raw instanceof Boolean b) {
      return b;
    }
    throw expected("bool");
  }

  public String text() {
    if (raw instanceof String s) {
      return s;
    }
    throw expected("text");
  }

  public Principal principal() {
    if (raw instanceof Principal p) {
      return p;
    }
    throw expected("principal");
  }

  /** A {@code blob}: the decoder's own array, not copied. */
  public byte[] blob() {
    if (raw instanceof byte[] b) {
      return b;
    }
    if (raw instanceof BlobView v) {
      return v.copy();
    }
    throw expected("blob");
  }

  /** A {@code blob} as a view of the message when it was decoded with views, else of its array. */
  public BlobView blobView() {
    if (raw instanceof BlobView v) {
      return v;
    }
    if (raw instanceof byte[] b) {
      return new BlobView(b, 0, b.length);
    }
    throw expected("blob");
  }

  /** A {@code blob} that must be a SHA-256 digest: exactly 32 bytes. */
  public Sha256 sha256() {
    byte[] b = blob();
    if (b.length != Sha256.LENGTH) {
      throw error("expected a " + Sha256.LENGTH + "-byte SHA-256 digest, got " + b.length
          + " bytes");
    }
    return Sha256.fromBytes(b);
  }

  /** A {@code nat} (or a narrower unsigned number): never negative. */
  public BigInteger nat() {
    if (raw instanceof BigInteger b) {
      if (b.signum() < 0) {
        throw notOfType("expected nat, got the negative int " + show(b));
      }
      return b;
    }
    if (raw instanceof Long l) {
      return l >= 0 ? BigInteger.valueOf(l) : new BigInteger(Long.toUnsignedString(l));
    }
    if (raw instanceof Integer || raw instanceof Short || raw instanceof Byte) {
      long v = ((Number) raw).longValue();
      if (v < 0) {
        throw notOfType("expected nat, got the negative number " + v);
      }
      return BigInteger.valueOf(v);
    }
    throw expected("nat");
  }

  /** A {@code nat} that this library holds in a {@code long}: at most 2^63 - 1. */
  public long natLong() {
    BigInteger n = nat();
    if (n.compareTo(LONG_MAX) > 0) {
      throw error("the number " + show(n) + " is out of range (at most " + Long.MAX_VALUE + ")");
    }
    return n.longValue();
  }

  /** A {@code nat} (or {@code nat16}) that this library holds in an {@code int}. */
  public int natInt() {
    BigInteger n = nat();
    if (n.compareTo(INT_MAX) > 0) {
      throw error("the number " + show(n) + " is out of range (at most " + Integer.MAX_VALUE + ")");
    }
    return n.intValue();
  }

  /** A {@code nat16} (or a {@code nat} read as one): 0 to 65,535. */
  public int nat16() {
    BigInteger n = nat();
    if (n.compareTo(NAT16_MAX) > 0) {
      throw error("the number " + show(n) + " is out of range for a nat16 (at most 65535)");
    }
    return n.intValue();
  }

  /** A {@code nat64} as its unsigned value. */
  public BigInteger nat64() {
    BigInteger n = nat();
    if (n.compareTo(TWO_64) >= 0) {
      throw error("the number " + show(n) + " is out of range for a nat64");
    }
    return n;
  }

  /** A {@code nat64} as the {@code long} with the same bits (values from 2^63 are negative). */
  public long nat64Bits() {
    return nat64().longValue();
  }

  /** An {@code int} (or any integer type, a {@code Long} read signed). */
  public BigInteger integer() {
    if (raw instanceof BigInteger b) {
      return b;
    }
    if (raw instanceof Long || raw instanceof Integer || raw instanceof Short
        || raw instanceof Byte) {
      return BigInteger.valueOf(((Number) raw).longValue());
    }
    throw expected("int");
  }

  /** An {@code int} that this library holds in a {@code long}. */
  public long integerLong() {
    BigInteger n = integer();
    if (n.compareTo(LONG_MAX) > 0 || n.compareTo(LONG_MIN) < 0) {
      throw error("the number " + show(n) + " is out of range for a 64-bit long");
    }
    return n.longValue();
  }

  /**
   * A {@code vec} of anything but {@code nat8} (that is a {@link #blob}), as an unmodifiable list
   * whose elements are made as they are read.
   */
  public List<Decoded> vec() {
    List<?> items;
    if (raw instanceof List<?> l) {
      items = l;
    } else if (raw instanceof Object[] a) {
      items = Arrays.asList(a);
    } else {
      throw expected("vec");
    }
    // A view: each element is wrapped when it is read, so a reader that stops at a bad element
    // has not wrapped the million after it.
    return new AbstractList<>() {
      @Override
      public Decoded get(int index) {
        return element(index, items.get(index));
      }

      @Override
      public int size() {
        return items.size();
      }
    };
  }

  /**
   * An {@code opt}: empty for {@code null}, absent or {@code opt} without a value; a value of the
   * inner type where an {@code opt} is expected is that value (Candid spec, decoding rules,
   * "Options": a non-null, non-optional value decodes at an option type as the optional value).
   * Prefer {@link #opt(Function)}, which also applies the rule for a value of another type.
   */
  public Optional<Decoded> opt() {
    if (raw == null) {
      return Optional.empty();
    }
    if (raw instanceof Optional<?> o) {
      return o.map(v -> new Decoded(v, method, path));
    }
    return Optional.of(this);
  }

  /**
   * An {@code opt} of {@code T}, read with {@code read}: empty for {@code null}, {@code reserved},
   * absent or {@code opt} without a value, and empty too when the value does not decode at the type
   * {@code read} reads (a wrong type, a record missing a field that is not an {@code opt}, a variant
   * tag not asked for), as the Candid spec's decoding rules say for options ("If an optional value
   * fails to decode at an optional type, the result is null, not failure"). Other failures of
   * {@code read} (a number out of the range this library holds, a hash of the wrong length, a
   * message over budget) are errors, as they are outside an {@code opt}.
   */
  public <T> Optional<T> opt(Function<Decoded, ? extends T> read) {
    Optional<Decoded> inner = opt();
    if (inner.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable(read.apply(inner.get()));
    } catch (CandidException e) {
      if (e.getCause() instanceof NotOfType) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /**
   * Makes a core value from what was read here. Core's value types check their arguments and throw
   * {@link IllegalArgumentException} naming what is wrong (an asset encoding without content, a
   * total length under the content's); read from a message, that is the message's fault, so that
   * one exception, from that one call, becomes a {@link CandidException} at this field.
   */
  public <T> T build(Supplier<T> factory) {
    try {
      return factory.get();
    } catch (IllegalArgumentException e) {
      throw new CandidException(method, field(), e.getMessage(), e);
    }
  }

  /**
   * A number for an error message: in decimal up to 128 bits, otherwise by its size, as printing a
   * nat of a million digits (a 2 MiB message can hold one) would cost more than reading it.
   */
  private static String show(BigInteger n) {
    return n.bitLength() <= 128 ? n.toString()
        : "of " + n.bitLength() + " bits" + (n.signum() < 0 ? " (negative)" : "");
  }

  private static String describe(@Nullable Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof Boolean) {
      return "bool";
    }
    if (v instanceof BigInteger) {
      return "nat or int";
    }
    if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return "a fixed-width integer";
    }
    if (v instanceof String) {
      return "text";
    }
    if (v instanceof Principal) {
      return "principal";
    }
    if (v instanceof byte[] || v instanceof BlobView) {
      return "blob";
    }
    if (v instanceof List<?> || v instanceof Object[]) {
      return "vec";
    }
    if (v instanceof Optional<?>) {
      return "opt";
    }
    if (v instanceof Map<?, ?> m) {
      return "a record or variant with " + m.size() + " fields";
    }
    return v.getClass().getSimpleName();
  }
}
