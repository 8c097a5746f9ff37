package org.icupgrade.candid.internal;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.icupgrade.core.Principal;
import org.icupgrade.core.internal.Leb128;

/**
 * Writes the Candid binary format (Candid spec, "Binary format"): the magic {@code DIDL}, the
 * type table, the argument types, then the values.
 *
 * <p>Why not ic4j-candid's encoder: ic4j 0.7.2 picks a variant value's tag index by matching the
 * payload's type, so in a variant with several tags of the same type (every
 * {@code variant { install; reinstall; upgrade }}, {@code status}, {@code keep; replace}) it
 * always sends the first tag: {@code install} goes out as {@code reinstall}. Decoding with ic4j
 * is correct and is what the bindings use. Writing also skips ic4j's per-byte boxing of blobs,
 * which matters for 1 MiB chunks.
 */
final class CandidEncoder {
  private final List<byte[]> table = new ArrayList<>();
  private final Map<CandidType, Integer> indices = new LinkedHashMap<>();
  private final ByteArrayOutputStream values;

  private CandidEncoder(int expectedSize) {
    this.values = new ByteArrayOutputStream(expectedSize);
  }

  static byte[] encode(List<CandidType> types, List<Object> args) {
    CandidEncoder e = new CandidEncoder(estimate(args));
    ByteArrayOutputStream argTypes = new ByteArrayOutputStream();
    leb(argTypes, types.size());
    for (int i = 0; i < types.size(); i++) {
      sleb(argTypes, e.typeRef(types.get(i)));
      e.value(types.get(i), args.get(i));
    }
    ByteArrayOutputStream out =
        new ByteArrayOutputStream(64 * e.table.size() + argTypes.size() + e.values.size());
    out.writeBytes(new byte[] {'D', 'I', 'D', 'L'});
    leb(out, e.table.size());
    for (byte[] entry : e.table) {
      out.writeBytes(entry);
    }
    try {
      argTypes.writeTo(out);
      e.values.writeTo(out);
    } catch (java.io.IOException impossible) {
      throw new java.io.UncheckedIOException(impossible);
    }
    return out.toByteArray();
  }

  private static int estimate(List<Object> args) {
    int n = 64;
    for (Object a : args) {
      n += sizeHint(a);
    }
    return n;
  }

  private static int sizeHint(Object o) {
    if (o instanceof byte[] b) {
      return b.length + 8;
    }
    if (o instanceof Map<?, ?> m) {
      int n = 0;
      for (Object v : m.values()) {
        n += v == null ? 1 : sizeHint(v);
      }
      return n;
    }
    return 16;
  }

  /** The type's reference: its opcode if primitive, else its index in the table (added once). */
  private int typeRef(CandidType t) {
    if (t.isPrimitive()) {
      return t.opcode;
    }
    Integer known = indices.get(t);
    if (known != null) {
      return known;
    }
    // The type takes the next index before its children, as the reference encoder numbers them
    // (outermost first); its entry is filled in once the children have theirs.
    int index = table.size();
    indices.put(t, index);
    table.add(new byte[0]);
    ByteArrayOutputStream entry = new ByteArrayOutputStream();
    sleb(entry, t.opcode);
    if (t.inner != null) {
      sleb(entry, typeRef(t.inner));
    } else {
      leb(entry, t.fields.size());
      for (CandidType.Field f : t.fields) {
        leb(entry, f.hash());
        sleb(entry, typeRef(f.type()));
      }
    }
    table.set(index, entry.toByteArray());
    return index;
  }

  private void value(CandidType t, Object v) {
    switch (t.opcode) {
      case CandidType.NULL:
        return;
      case CandidType.BOOL:
        values.write(((Boolean) v) ? 1 : 0);
        return;
      case CandidType.NAT:
        lebBig(values, (BigInteger) v);
        return;
      case CandidType.INT:
        slebBig(values, (BigInteger) v);
        return;
      case CandidType.NAT8:
        values.write(((Number) v).intValue());
        return;
      case CandidType.NAT16:
        littleEndian(((Number) v).longValue(), 2);
        return;
      case CandidType.NAT32:
        littleEndian(((Number) v).longValue(), 4);
        return;
      case CandidType.NAT64:
        littleEndian(v instanceof BigInteger b ? Idl.nat64(b) : ((Number) v).longValue(), 8);
        return;
      case CandidType.TEXT:
        byte[] utf8 = ((String) v).getBytes(StandardCharsets.UTF_8);
        leb(values, utf8.length);
        values.writeBytes(utf8);
        return;
      case CandidType.PRINCIPAL:
        byte[] id = ((Principal) v).toBytes();
        values.write(1);
        leb(values, id.length);
        values.writeBytes(id);
        return;
      case CandidType.OPT:
        Optional<?> o = (Optional<?>) v;
        if (o.isEmpty()) {
          values.write(0);
        } else {
          values.write(1);
          value(t.inner, o.get());
        }
        return;
      case CandidType.VEC:
        if (t.isBlob() && v instanceof byte[] blob) {
          leb(values, blob.length);
          values.writeBytes(blob);
          return;
        }
        List<?> items = v instanceof Object[] a ? List.of(a) : (List<?>) v;
        leb(values, items.size());
        for (Object item : items) {
          value(t.inner, item);
        }
        return;
      case CandidType.RECORD:
        Map<?, ?> rec = (Map<?, ?>) v;
        for (CandidType.Field f : t.fields) {
          if (!rec.containsKey(f.name())) {
            throw new IllegalArgumentException("record value lacks field " + f.name());
          }
          value(f.type(), rec.get(f.name()));
        }
        return;
      case CandidType.VARIANT:
        Map<?, ?> var = (Map<?, ?>) v;
        if (var.size() != 1) {
          throw new IllegalArgumentException("a variant value has exactly one tag, got " + var);
        }
        Map.Entry<?, ?> tag = var.entrySet().iterator().next();
        for (int i = 0; i < t.fields.size(); i++) {
          if (t.fields.get(i).name().equals(tag.getKey())) {
            leb(values, i);
            value(t.fields.get(i).type(), tag.getValue());
            return;
          }
        }
        throw new IllegalArgumentException("unknown variant tag " + tag.getKey());
      default:
        throw new IllegalStateException("unsupported Candid type " + t.opcode);
    }
  }

  private void littleEndian(long v, int bytes) {
    for (int i = 0; i < bytes; i++) {
      values.write((int) (v >>> (8 * i)) & 0xFF);
    }
  }

  static void leb(ByteArrayOutputStream out, long value) {
    Leb128.writeUnsigned(out, value);
  }

  static void sleb(ByteArrayOutputStream out, long value) {
    Leb128.writeSigned(out, value);
  }

  private static void lebBig(ByteArrayOutputStream out, BigInteger value) {
    if (value.signum() < 0) {
      throw new IllegalArgumentException("a nat cannot be negative: " + value);
    }
    BigInteger v = value;
    BigInteger mask = BigInteger.valueOf(0x7f);
    do {
      int b = v.and(mask).intValue();
      v = v.shiftRight(7);
      out.write(v.signum() != 0 ? b | 0x80 : b);
    } while (v.signum() != 0);
  }

  private static void slebBig(ByteArrayOutputStream out, BigInteger value) {
    BigInteger v = value;
    BigInteger mask = BigInteger.valueOf(0x7f);
    BigInteger minusOne = BigInteger.ONE.negate();
    while (true) {
      int b = v.and(mask).intValue();
      v = v.shiftRight(7);
      boolean done = (v.signum() == 0 && (b & 0x40) == 0) || (v.equals(minusOne) && (b & 0x40) != 0);
      out.write(done ? b : b | 0x80);
      if (done) {
        return;
      }
    }
  }
}
