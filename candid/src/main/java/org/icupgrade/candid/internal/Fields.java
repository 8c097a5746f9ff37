package org.icupgrade.candid.internal;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.icupgrade.core.Principal;
import org.jspecify.annotations.Nullable;

/**
 * Reads a decoded Candid record (or variant) by field name, converting {@link CandidDecoder}'s generic values to
 * ours, and failing with a message naming the field when it is missing or of the wrong kind.
 * Fields not asked for are ignored, as Candid subtyping allows.
 */
public final class Fields {
  private final Map<?, ?> fields;
  private final String what;

  private Fields(Map<?, ?> fields, String what) {
    this.fields = fields;
    this.what = what;
  }

  /** Wraps a decoded record or variant value. */
  public static Fields of(@Nullable Object value, String what) {
    if (!(value instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException(what + ": expected a record, got " + describe(value));
    }
    return new Fields(m, what);
  }

  private @Nullable Object raw(String name) {
    long id = Idl.hash(name);
    for (Map.Entry<?, ?> e : fields.entrySet()) {
      if (((Number) e.getKey()).longValue() == id) {
        return e.getValue();
      }
    }
    return null;
  }

  /** What this record is, for messages: e.g. {@code update_settings_args.settings}. */
  @Override
  public String toString() {
    return what;
  }

  public boolean has(String name) {
    return raw(name) != null;
  }

  private Object required(String name) {
    Object v = raw(name);
    if (v == null) {
      throw new IllegalArgumentException(what + ": missing field " + name);
    }
    return v;
  }

  public Principal principal(String name) {
    return principalOf(required(name), what + "." + name);
  }

  public byte[] blob(String name) {
    return blobOf(required(name), what + "." + name);
  }

  public BigInteger nat(String name) {
    return natOf(required(name), what + "." + name);
  }

  /** A {@code nat64} as its unsigned value. */
  public BigInteger nat64(String name) {
    return nat64Of(required(name), what + "." + name);
  }

  public boolean bool(String name) {
    return boolOf(required(name), what + "." + name);
  }

  public static boolean boolOf(@Nullable Object v, String what) {
    if (v instanceof Boolean b) {
      return b;
    }
    throw new IllegalArgumentException(what + ": expected bool, got " + describe(v));
  }

  public String text(String name) {
    Object v = required(name);
    if (v instanceof String s) {
      return s;
    }
    throw new IllegalArgumentException(what + "." + name + ": expected text, got " + describe(v));
  }

  public Fields record(String name) {
    return of(required(name), what + "." + name);
  }

  /** An {@code opt} field: empty when absent or {@code null} (Candid opt subtyping). */
  public Optional<Object> opt(String name) {
    Object v = raw(name);
    if (v == null) {
      return Optional.empty();
    }
    if (v instanceof Optional<?> o) {
      return o.map(x -> (Object) x);
    }
    // Candid spec, "opt" coercion: a value of the inner type where an opt is expected is Some.
    return Optional.of(v);
  }

  public List<Object> vec(String name) {
    return vecOf(required(name), what + "." + name);
  }

  /** The tag of a variant field, among {@code tags}. */
  public String variant(String name, String... tags) {
    return tagOf(required(name), what + "." + name, tags);
  }

  /** The payload of the variant's tag. */
  public @Nullable Object payload() {
    return fields.values().iterator().next();
  }

  /** The tag of this value, read as a variant, among {@code tags}. */
  public String tag(String... tags) {
    return tagOf(fields, what, tags);
  }

  public static String tagOf(Object value, String what, String... tags) {
    if (!(value instanceof Map<?, ?> m) || m.size() != 1) {
      throw new IllegalArgumentException(what + ": expected a variant, got " + describe(value));
    }
    Object k = m.keySet().iterator().next();
    long id = ((Number) k).longValue();
    for (String t : tags) {
      if (Idl.hash(t) == id) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        what + ": unknown variant tag " + k + ", expected one of " + Arrays.toString(tags));
  }

  public static Principal principalOf(Object v, String what) {
    if (v instanceof Principal p) {
      return p;
    }
    throw new IllegalArgumentException(what + ": expected principal, got " + describe(v));
  }

  public static byte[] blobOf(Object v, String what) {
    if (v instanceof byte[] b) {
      return b;
    }
    throw new IllegalArgumentException(what + ": expected blob, got " + describe(v));
  }

  public static BigInteger natOf(Object v, String what) {
    if (v instanceof BigInteger b) {
      return b;
    }
    if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return BigInteger.valueOf(((Number) v).longValue());
    }
    throw new IllegalArgumentException(what + ": expected nat, got " + describe(v));
  }

  /** The decoder hands a {@code nat64} over as a {@code long} with the same bits; read it unsigned. */
  public static BigInteger nat64Of(Object v, String what) {
    if (v instanceof Long l) {
      return new BigInteger(Long.toUnsignedString(l));
    }
    if (v instanceof BigInteger b) {
      return b;
    }
    throw new IllegalArgumentException(what + ": expected nat64, got " + describe(v));
  }

  public static List<Object> vecOf(Object v, String what) {
    if (v instanceof Object[] a) {
      return new ArrayList<>(Arrays.asList(a));
    }
    if (v instanceof List<?> l) {
      return new ArrayList<>(l);
    }
    throw new IllegalArgumentException(what + ": expected vec, got " + describe(v));
  }

  private static String describe(@Nullable Object v) {
    return v == null ? "nothing" : v.getClass().getSimpleName();
  }
}
