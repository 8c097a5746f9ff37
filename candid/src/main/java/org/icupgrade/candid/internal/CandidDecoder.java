package org.icupgrade.candid.internal;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.icupgrade.core.CandidException;
import org.icupgrade.core.Principal;
import org.jspecify.annotations.Nullable;

/**
 * Reads the Candid binary format (Candid spec, "Binary format" / "Deserialisation") into generic
 * values that {@link Fields} reads by field name: records and variants as maps from field id
 * ({@code Long}) to value, {@code opt} as {@link Optional}, {@code blob} as {@code byte[]}, other
 * vectors as {@link List}, {@code nat}/{@code int} as {@link BigInteger}, {@code nat64} as the
 * {@code long} with the same bits, {@code principal} as core's {@link Principal}.
 *
 * <p>Why not ic4j-candid's decoder, which the bindings used first: it allocates whatever a vector's
 * declared length asks for before reading it, so eleven malformed bytes claiming a 1 GiB blob end in
 * {@link OutOfMemoryError} (the embedded replica decodes whatever its callers send); and it boxes
 * every byte of a blob, which made a 1 MiB {@code upload_chunk} take about 45 ms to decode. Here
 * every length is checked against the bytes that remain, and blobs are one array copy. ic4j stays
 * in the tests as an independent reader of what {@link CandidEncoder} writes.
 *
 * <p>Linear in the input: the type table is read once, whether a vector's element takes any bytes
 * is decided once per message in time linear in the table, and every value read costs constant
 * work (a {@code nat}, text or blob linear in its bytes). A message may make at most its
 * {@link DecodeBudget} of values in total, which bounds memory and time for the values that take no
 * bytes ({@code vec (vec record {})}); nesting is bounded by {@link #MAX_DEPTH}.
 *
 * <p>Every failure is a {@link CandidException} naming the message, the field path where known
 * (field names as the types of this package spell them, others as their ids) and the byte where
 * reading stopped; the whole input must be consumed. Reading past the end is checked before each read, so
 * no {@link IndexOutOfBoundsException} is caught and mistaken for a short message: one would be a
 * bug here, and propagates as one.
 */
final class CandidDecoder {
  // Type opcodes not in CandidType (Candid spec, "Types").
  private static final int INT8 = -9;
  private static final int INT16 = -10;
  private static final int INT32 = -11;
  private static final int INT64 = -12;
  private static final int FLOAT32 = -13;
  private static final int FLOAT64 = -14;
  private static final int RESERVED = -16;
  private static final int EMPTY = -17;
  private static final int FUNC = -22;
  private static final int SERVICE = -23;

  /**
   * Nesting bound of values, and so of the walk through the type table that reading them is (the
   * only walk of the table that is not one linear pass): a recursive type such as
   * {@code type t = record { t }} would never end, and a deep one would overflow the stack.
   */
  static final int MAX_DEPTH = 512;

  // What path[d] is: how the value at depth d + 1 sits in the value at depth d.
  private static final byte STEP_FIELD = 0;
  private static final byte STEP_INDEX = 1;
  private static final byte STEP_OPT = 2;

  /** One type table entry: its opcode, and for opt/vec the inner type, for record/variant fields. */
  private record Entry(int opcode, int inner, long[] ids, int[] types) {}

  private final byte[] in;
  private final @Nullable String method;
  private final long budget;
  private long spent;
  private int pos;
  private Entry[] table = new Entry[0];
  /** Where the value being read is, for errors: one step per depth, the field id or index. */
  private final byte[] pathStep = new byte[MAX_DEPTH + 2];
  private final long[] pathKey = new long[MAX_DEPTH + 2];
  private int depth;
  /** The UTF-8 decoder of this message's texts, made at the first. */
  private @Nullable CharsetDecoder utf8;

  /** Whether blobs are decoded as {@link BlobView}s of {@link #in} rather than copies. */
  private boolean blobViews;

  private CandidDecoder(byte[] in, @Nullable String method, DecodeBudget budget) {
    this.in = in;
    this.method = method;
    this.budget = budget.valuesFor(in.length);
  }

  /**
   * The values of a message, one per argument.
   *
   * @param method what the message is, for errors ({@code upload_chunk argument}), or null
   * @param budget how many values the message may make
   * @throws CandidException when the bytes are not Candid, or need more values than the budget
   */
  static List<@Nullable Object> decode(
      byte[] candid, @Nullable String method, DecodeBudget budget) {
    return new CandidDecoder(candid, method, budget).message();
  }

  /** {@link #decode}, with each blob a {@link BlobView} of {@code candid}, not a copy. */
  static List<@Nullable Object> decodeWithBlobViews(
      byte[] candid, @Nullable String method, DecodeBudget budget) {
    CandidDecoder d = new CandidDecoder(candid, method, budget);
    d.blobViews = true;
    return d.message();
  }

  private List<@Nullable Object> message() {
    if (in.length < 4 || in[0] != 'D' || in[1] != 'I' || in[2] != 'D' || in[3] != 'L') {
      throw malformed("the bytes do not start with DIDL");
    }
    pos = 4;
    int n = count(1);
    table = new Entry[n];
    wideRecords = null;
    for (int i = 0; i < n; i++) {
      table[i] = entry(n);
    }
    int argc = count(1);
    int[] args = new int[argc];
    for (int i = 0; i < argc; i++) {
      args[i] = typeRef(n);
    }
    List<@Nullable Object> out = new ArrayList<>(argc);
    for (int t : args) {
      out.add(value(t, 0));
    }
    depth = 0;
    if (pos != in.length) {
      throw malformed((in.length - pos) + " bytes left after the last value");
    }
    return out;
  }

  private Entry entry(int tableSize) {
    long op = sleb();
    // Every composite opcode is small; a cast of a larger value could alias one.
    int opcode = op >= SERVICE && op <= CandidType.OPT ? (int) op : 0;
    switch (opcode) {
      case CandidType.OPT:
      case CandidType.VEC:
        return new Entry(opcode, typeRef(tableSize), new long[0], new int[0]);
      case CandidType.RECORD:
      case CandidType.VARIANT: {
        int n = count(2);
        long[] ids = new long[n];
        int[] types = new int[n];
        for (int i = 0; i < n; i++) {
          ids[i] = leb();
          if (ids[i] > 0xFFFF_FFFFL || (i > 0 && ids[i] <= ids[i - 1])) {
            // Candid spec: field ids are 32-bit and strictly increasing in the type table.
            throw malformed("field ids out of order or too large in a record or variant type");
          }
          types[i] = typeRef(tableSize);
        }
        return new Entry(opcode, 0, ids, types);
      }
      case FUNC: {
        int args = count(1);
        for (int i = 0; i < args; i++) {
          typeRef(tableSize);
        }
        int results = count(1);
        for (int i = 0; i < results; i++) {
          typeRef(tableSize);
        }
        skip(count(1));
        return new Entry(opcode, 0, new long[0], new int[0]);
      }
      case SERVICE: {
        int methods = count(2);
        for (int i = 0; i < methods; i++) {
          skip(count(1));
          typeRef(tableSize);
        }
        return new Entry(opcode, 0, new long[0], new int[0]);
      }
      default:
        throw malformed("type table entry with opcode " + op
            + " is not a composite type this decoder knows");
    }
  }

  /** A type reference: a primitive opcode (negative) or an index into the table. */
  private int typeRef(int tableSize) {
    long t = sleb();
    boolean composite = t <= CandidType.OPT && t >= SERVICE; // only valid inside the table
    if (t >= tableSize || t < CandidType.PRINCIPAL || composite) {
      throw malformed("type reference " + t + " is neither a primitive type nor a table index");
    }
    return (int) t;
  }

  private @Nullable Object value(int type, int depth) {
    this.depth = depth;
    if (depth > MAX_DEPTH) {
      throw malformed("values nested deeper than " + MAX_DEPTH);
    }
    if (++spent > budget) {
      throw overBudget();
    }
    if (type >= 0) {
      return composite(table[type], depth);
    }
    switch (type) {
      case CandidType.NULL:
      case RESERVED:
        return null;
      case CandidType.BOOL: {
        int b = u8();
        if (b != 0 && b != 1) {
          throw malformed("a bool is 0 or 1, got " + b);
        }
        return b == 1;
      }
      case CandidType.NAT:
        return lebBig();
      case CandidType.INT:
        return slebBig();
      case CandidType.NAT8:
        return u8() & 0xFF;
      case CandidType.NAT16:
        return (int) littleEndian(2);
      case CandidType.NAT32:
        return littleEndian(4);
      case CandidType.NAT64:
      case INT64:
        return littleEndian(8);
      case INT8:
        return (byte) u8();
      case INT16:
        return (short) littleEndian(2);
      case INT32:
        return (int) littleEndian(4);
      case FLOAT32:
        return Float.intBitsToFloat((int) littleEndian(4));
      case FLOAT64:
        return Double.longBitsToDouble(littleEndian(8));
      case CandidType.TEXT:
        return text();
      case CandidType.PRINCIPAL:
        return principal();
      case EMPTY:
        throw malformed("a value of type empty cannot exist");
      default:
        throw malformed("unknown primitive type " + type);
    }
  }

  private @Nullable Object composite(Entry e, int depth) {
    switch (e.opcode) {
      case CandidType.OPT: {
        int flag = u8();
        if (flag == 0) {
          return Optional.empty();
        }
        if (flag != 1) {
          throw malformed("an opt starts with 0 or 1, got " + flag);
        }
        pathStep[depth] = STEP_OPT;
        return Optional.ofNullable(value(e.inner, depth + 1));
      }
      case CandidType.VEC: {
        long n = leb();
        if (e.inner == CandidType.NAT8) {
          int len = checkedLength(n, 1);
          if (blobViews) {
            BlobView view = new BlobView(in, pos, len);
            pos += len;
            return view;
          }
          byte[] blob = Arrays.copyOfRange(in, pos, pos + len);
          pos += len;
          return blob;
        }
        int len = checkedLength(n, minWidth(e.inner));
        List<@Nullable Object> items = new ArrayList<>(Math.min(len, 1024));
        pathStep[depth] = STEP_INDEX;
        for (int i = 0; i < len; i++) {
          pathKey[depth] = i;
          items.add(value(e.inner, depth + 1));
        }
        return items;
      }
      case CandidType.RECORD: {
        if (e.ids.length == 0) {
          return Map.of();
        }
        @Nullable Object[] values = new Object[e.ids.length];
        pathStep[depth] = STEP_FIELD;
        for (int i = 0; i < e.ids.length; i++) {
          pathKey[depth] = e.ids[i];
          values[i] = value(e.types[i], depth + 1);
        }
        return new FieldValues(e.ids, values);
      }
      case CandidType.VARIANT: {
        long tag = leb();
        if (tag >= e.ids.length) {
          throw malformed("variant tag index " + tag + " of " + e.ids.length);
        }
        pathStep[depth] = STEP_FIELD;
        pathKey[depth] = e.ids[(int) tag];
        long[] id = {e.ids[(int) tag]};
        return new FieldValues(id, new @Nullable Object[] {value(e.types[(int) tag], depth + 1)});
      }
      case FUNC: {
        reference("func");
        Principal service = principal();
        String method = text();
        return service + "." + method;
      }
      case SERVICE:
        return principal();
      default:
        throw new IllegalStateException("table entry " + e.opcode);
    }
  }

  /** The fewest bytes a value of the type takes: 0 for null, reserved and records of those. */
  /**
   * Whether a value of each record type of the table takes at least one byte: a record is wide
   * when one of its fields is. Computed once per message in time linear in the table (wide records
   * propagate to the records that hold them), instead of the exponential walk that a record with
   * two self-references cost (a 16-byte reply once decoded for over a minute). A record that can
   * only hold zero-width values, itself included, stays zero-width.
   */
  private boolean @Nullable [] wideRecords;

  private int minWidth(int type) {
    if (type < 0) {
      return type == CandidType.NULL || type == RESERVED ? 0 : 1;
    }
    if (table[type].opcode != CandidType.RECORD) {
      return 1;
    }
    boolean[] wide = wideRecords;
    if (wide == null) {
      wide = wideRecords();
      wideRecords = wide;
    }
    return wide[type] ? 1 : 0;
  }

  private boolean[] wideRecords() {
    int n = table.length;
    boolean[] wide = new boolean[n];
    // holders[t]: the records with a field of record type t, as linked lists in two arrays.
    int fields = 0;
    for (Entry e : table) {
      if (e.opcode == CandidType.RECORD) {
        fields += e.types.length;
      }
    }
    int[] head = new int[n];
    java.util.Arrays.fill(head, -1);
    int[] next = new int[fields];
    int[] holder = new int[fields];
    int[] queue = new int[n];
    int tail = 0;
    int f = 0;
    for (int i = 0; i < n; i++) {
      Entry e = table[i];
      if (e.opcode != CandidType.RECORD) {
        continue;
      }
      boolean direct = false;
      for (int t : e.types) {
        if (t < 0 ? t != CandidType.NULL && t != RESERVED : table[t].opcode != CandidType.RECORD) {
          direct = true;
        } else if (t >= 0) {
          holder[f] = i;
          next[f] = head[t];
          head[t] = f++;
        }
      }
      if (direct) {
        wide[i] = true;
        queue[tail++] = i;
      }
    }
    for (int q = 0; q < tail; q++) {
      for (int k = head[queue[q]]; k >= 0; k = next[k]) {
        int h = holder[k];
        if (!wide[h]) {
          wide[h] = true;
          queue[tail++] = h;
        }
      }
    }
    return wide;
  }

  /**
   * A vector's length: at most one element per remaining byte, or for elements that take no bytes
   * (whose count the input cannot bound), at most what remains of the budget.
   */
  private int checkedLength(long n, int minWidth) {
    long remaining = in.length - pos;
    if (minWidth > 0 && n > remaining) {
      throw malformed("a vector claims " + Long.toUnsignedString(n)
          + " elements but only " + remaining + " bytes remain");
    }
    if (minWidth == 0 && n > budget - spent) {
      throw overBudget(n);
    }
    if (n > Integer.MAX_VALUE - 8) {
      // Only a budget configured beyond any Java list gets here.
      throw overBudget(n);
    }
    return (int) n;
  }

  private String text() {
    int len = checkedLength(leb(), 1);
    if (len == 0) {
      return "";
    }
    ByteBuffer bytes = ByteBuffer.wrap(in, pos, len);
    pos += len;
    CharsetDecoder decoder = utf8;
    if (decoder == null) {
      // One per message, not one per text: a vector of a million short texts is a million values.
      decoder = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
      utf8 = decoder;
    }
    try {
      return decoder.reset().decode(bytes).toString();
    } catch (CharacterCodingException e) {
      throw malformed("text is not valid UTF-8");
    }
  }

  private Principal principal() {
    reference("principal");
    int len = checkedLength(leb(), 1);
    if (len > Principal.MAX_LENGTH) {
      throw malformed("a principal has at most " + Principal.MAX_LENGTH + " bytes, got " + len);
    }
    byte[] id = Arrays.copyOfRange(in, pos, pos + len);
    pos += len;
    return Principal.fromBytes(id);
  }

  private void reference(String what) {
    int flag = u8();
    if (flag != 1) {
      throw malformed("an opaque " + what + " reference (flag " + flag + ") cannot be read");
    }
  }

  private void skip(int n) {
    if (n > in.length - pos) {
      throw malformed("the bytes end in the middle of a type");
    }
    pos += n;
  }

  /** A count in the type table or argument list: at most one entry per remaining byte. */
  private int count(int minBytesEach) {
    long n = leb();
    if (n > (in.length - pos) / minBytesEach + 1) {
      throw malformed("a count of " + Long.toUnsignedString(n) + " exceeds the input");
    }
    return (int) n;
  }

  /** The next byte, as a signed Java byte; the end of the input is a malformed message. */
  private int u8() {
    if (pos >= in.length) {
      throw truncated();
    }
    return in[pos++];
  }

  private CandidException truncated() {
    return malformed("the bytes end in the middle of a value");
  }

  private long littleEndian(int bytes) {
    if (bytes > in.length - pos) {
      throw truncated();
    }
    long v = 0;
    for (int i = 0; i < bytes; i++) {
      v |= (in[pos++] & 0xFFL) << (8 * i);
    }
    return v;
  }

  /** An unsigned LEB128 that must fit 64 bits (lengths, counts, ids, tags). */
  private long leb() {
    long v = 0;
    for (int shift = 0; ; shift += 7) {
      int b = u8();
      if (shift == 63 && (b & 0x7F) != 0 || shift > 63) {
        // Lengths, counts, ids and tags beyond 2^63 can never match the input anyway.
        throw malformed("a LEB128 length or index is too large");
      }
      v |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
  }

  /** A signed LEB128 that must fit 64 bits (type opcodes and references). */
  private long sleb() {
    long v = 0;
    int shift = 0;
    int b;
    do {
      if (shift > 63) {
        throw malformed("a SLEB128 type does not fit 64 bits");
      }
      b = u8();
      v |= (long) (b & 0x7F) << shift;
      shift += 7;
    } while ((b & 0x80) != 0);
    if (shift < 64 && (b & 0x40) != 0) {
      v |= -1L << shift;
    }
    return v;
  }

  private BigInteger lebBig() {
    int start = pos;
    while ((u8() & 0x80) != 0) {
      // every byte but the last has the continuation bit
    }
    int groups = pos - start;
    if (groups <= 9) {
      long v = 0;
      for (int i = 0; i < groups; i++) {
        v |= (long) (in[start + i] & 0x7F) << (7 * i);
      }
      return BigInteger.valueOf(v);
    }
    // Pack the 7-bit groups into a big-endian magnitude in one pass (no quadratic shifting).
    byte[] magnitude = new byte[(7 * groups + 7) / 8 + 1];
    for (int i = 0; i < groups; i++) {
      int group = in[start + i] & 0x7F;
      for (int bit = 0; bit < 7; bit++) {
        if ((group & (1 << bit)) != 0) {
          int at = 7 * i + bit;
          magnitude[magnitude.length - 1 - at / 8] |= (byte) (1 << (at % 8));
        }
      }
    }
    return new BigInteger(1, magnitude);
  }

  private BigInteger slebBig() {
    int start = pos;
    BigInteger v = lebBig();
    int bits = 7 * (pos - start);
    if ((in[pos - 1] & 0x40) != 0) {
      v = v.subtract(BigInteger.ONE.shiftLeft(bits));
    }
    return v;
  }

  private CandidException overBudget() {
    return new CandidException(method, path(), "at byte " + pos + ": the message needs more than "
        + budget + " values, its decode budget (" + DecodeBudget.class.getSimpleName()
        + "); a reply or argument of an IC interface never does", null);
  }

  private CandidException overBudget(long elements) {
    return new CandidException(method, path(), "at byte " + pos + ": a vector claims "
        + Long.toUnsignedString(elements) + " elements that take no bytes, more than the "
        + (budget - spent) + " values left of the message's decode budget of " + budget, null);
  }

  private CandidException malformed(String why) {
    return new CandidException(method, path(), "at byte " + pos + ": " + why, null);
  }

  /** The path to the value being read, as {@link Decoded} names fields; null at the top. */
  private @Nullable String path() {
    if (depth == 0) {
      return null;
    }
    StringBuilder sb = new StringBuilder();
    for (int d = 0; d < depth && d < pathStep.length; d++) {
      switch (pathStep[d]) {
        case STEP_INDEX:
          sb.append('[').append(pathKey[d]).append(']');
          break;
        case STEP_FIELD:
          if (sb.length() > 0) {
            sb.append('.');
          }
          sb.append(CandidType.nameOf(pathKey[d]));
          break;
        default:
          break;
      }
    }
    return sb.length() == 0 ? null : sb.toString();
  }
}
