package org.icupgrade.candid.internal;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
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
 *
 * <p>Blobs are copied once, from the caller's {@code byte[]} or {@link ByteBuffer} straight into
 * the message: everything else (the header, the type table, the other values: a few dozen bytes
 * for a chunk upload) is written to a small buffer first, with the place of each blob noted, and
 * the message is allocated at its exact size once the blobs' lengths are known.
 *
 * <p>The values are what we build, so a value that does not fit its type (a negative
 * {@code nat}, a record value without one of the type's fields, a variant value naming no tag of
 * the type, a Java object of the wrong class) is a programming error: it throws
 * {@link IllegalArgumentException}, never {@code CandidException}, which is for messages read.
 */
final class CandidEncoder {
  /** The largest message: a Java array's length (the JDK refuses the last few indices). */
  private static final long MAX_MESSAGE = Integer.MAX_VALUE - 8;

  /** A {@link ByteArrayOutputStream} whose bytes are copied out without {@code toByteArray}. */
  private static final class Small extends ByteArrayOutputStream {
    Small(int size) {
      super(size);
    }

    void copy(int from, int to, byte[] dst, int at) {
      System.arraycopy(buf, from, dst, at, to - from);
    }
  }

  /** A blob to write at {@code at} of the small bytes: {@code length} bytes of its source. */
  private record Splice(int at, Object source, int offset, int length) {}

  private final List<byte[]> table = new ArrayList<>();
  private final Map<CandidType, Integer> indices = new HashMap<>();
  private final Small values = new Small(64);
  private final List<Splice> blobs = new ArrayList<>();
  private long blobBytes;

  private CandidEncoder() {}

  static byte[] encode(List<CandidType> types, List<Object> args) {
    if (types.size() != args.size()) {
      throw new IllegalArgumentException(
          types.size() + " argument types for " + args.size() + " values");
    }
    CandidEncoder e = new CandidEncoder();
    int[] refs = new int[types.size()];
    for (int i = 0; i < refs.length; i++) {
      refs[i] = e.typeRef(types.get(i));
    }
    // The header goes first in the small bytes, then the values with their blobs noted.
    Small out = e.values;
    out.writeBytes(new byte[] {'D', 'I', 'D', 'L'});
    leb(out, e.table.size());
    for (byte[] entry : e.table) {
      out.writeBytes(entry);
    }
    leb(out, refs.length);
    for (int ref : refs) {
      sleb(out, ref);
    }
    for (int i = 0; i < refs.length; i++) {
      e.value(types.get(i), args.get(i));
    }
    return e.assemble();
  }

  /** The message: the small bytes with each blob copied in at its place. */
  private byte[] assemble() {
    long total = values.size() + blobBytes;
    if (total > MAX_MESSAGE) {
      throw new IllegalArgumentException(
          "a Candid message of " + total + " bytes does not fit a Java array");
    }
    byte[] message = new byte[(int) total];
    int from = 0;
    int to = 0;
    for (Splice s : blobs) {
      values.copy(from, s.at(), message, to);
      to += s.at() - from;
      from = s.at();
      if (s.source() instanceof byte[] array) {
        System.arraycopy(array, s.offset(), message, to, s.length());
      } else {
        // An absolute bulk get: the buffer's position is left alone.
        ((ByteBuffer) s.source()).get(s.offset(), message, to, s.length());
      }
      to += s.length();
    }
    values.copy(from, values.size(), message, to);
    return message;
  }

  /** Notes a blob's bytes for {@link #assemble}, after its length prefix. */
  private void blob(Object source, int offset, int length) {
    leb(values, length);
    blobs.add(new Splice(values.size(), source, offset, length));
    blobBytes += length;
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
      case CandidType.RESERVED:
        // Candid spec, "Binary format": M(_ : reserved) = "" like null.
        return;
      case CandidType.BOOL:
        values.write(as(Boolean.class, v, "bool") ? 1 : 0);
        return;
      case CandidType.NAT:
        lebBig(values, as(BigInteger.class, v, "nat"));
        return;
      case CandidType.INT:
        slebBig(values, as(BigInteger.class, v, "int"));
        return;
      case CandidType.NAT8:
        values.write((int) fixedNat(v, "nat8", 8));
        return;
      case CandidType.NAT16:
        littleEndian(fixedNat(v, "nat16", 16), 2);
        return;
      case CandidType.NAT32:
        littleEndian(fixedNat(v, "nat32", 32), 4);
        return;
      case CandidType.NAT64:
        littleEndian(v instanceof BigInteger b ? Idl.nat64(b)
            : as(Number.class, v, "nat64").longValue(), 8);
        return;
      case CandidType.TEXT:
        byte[] utf8 = as(String.class, v, "text").getBytes(StandardCharsets.UTF_8);
        leb(values, utf8.length);
        values.writeBytes(utf8);
        return;
      case CandidType.PRINCIPAL:
        byte[] id = as(Principal.class, v, "principal").toBytes();
        values.write(1);
        leb(values, id.length);
        values.writeBytes(id);
        return;
      case CandidType.OPT:
        Optional<?> o = as(Optional.class, v, "opt");
        if (o.isEmpty()) {
          values.write(0);
        } else {
          values.write(1);
          value(t.inner, o.get());
        }
        return;
      case CandidType.VEC:
        if (t.isBlob() && v instanceof byte[] array) {
          blob(array, 0, array.length);
          return;
        }
        if (t.isBlob() && v instanceof ByteBuffer buffer) {
          blob(buffer, buffer.position(), buffer.remaining());
          return;
        }
        List<?> items = v instanceof Object[] a ? List.of(a) : as(List.class, v, "vec");
        leb(values, items.size());
        for (Object item : items) {
          value(t.inner, item);
        }
        return;
      case CandidType.RECORD:
        Map<?, ?> rec = as(Map.class, v, "record");
        for (CandidType.Field f : t.fields) {
          if (!rec.containsKey(f.name())) {
            throw new IllegalArgumentException("record value lacks field " + f.name());
          }
          value(f.type(), rec.get(f.name()));
        }
        return;
      case CandidType.VARIANT:
        Map<?, ?> var = as(Map.class, v, "variant");
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

  /**
   * A {@code nat8}, {@code nat16} or {@code nat32} given as any integral number, checked for range
   * (a nat16 of 70,000 was once written as 4,464).
   */
  private static long fixedNat(Object v, String type, int bits) {
    Number n = as(Number.class, v, type);
    long value = n.longValue();
    boolean integral = n instanceof Long || n instanceof Integer || n instanceof Short
        || n instanceof Byte || n instanceof BigInteger b && b.bitLength() < 64;
    if (!integral || value < 0 || value >= 1L << bits) {
      throw new IllegalArgumentException("not a " + type + ": " + v);
    }
    return value;
  }

  /** The value as the class the type's values are given as; otherwise the caller's error. */
  private static <T> T as(Class<T> type, Object v, String candid) {
    if (!type.isInstance(v)) {
      throw new IllegalArgumentException("a " + candid + " value is given as "
          + type.getSimpleName() + ", got " + (v == null ? "null" : v.getClass().getName()));
    }
    return type.cast(v);
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
