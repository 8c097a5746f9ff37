package org.icupgrade.protocol;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.icupgrade.core.IcException;

/**
 * A small CBOR (RFC 8949) encoder and decoder for the IC's HTTP interface (spec, "HTTPS Interface",
 * "CBOR encoding of requests and responses": every envelope is CBOR, prefixed by the
 * self-describing tag 55799). Values are {@code Long} or {@code BigInteger} (integers), {@code
 * byte[]}, {@code String}, {@code List<Object>}, {@code Map<String, Object>}, {@code Boolean} and
 * {@code null}.
 *
 * <p>The decoder is bounded for hostile input: nesting depth at most {@link #MAX_DEPTH}; every
 * length is checked against the bytes that remain before anything is allocated (an item takes at
 * least one byte), so a declared length of 2^64 is refused at once; map keys must be text; tags
 * other than 55799, and floats, are refused.
 */
public final class Cbor {
  /** The deepest nesting the decoder accepts. */
  public static final int MAX_DEPTH = 32;

  /** The self-describing CBOR tag (RFC 8949 section 3.4.6), which the spec prefixes to envelopes. */
  public static final int SELF_DESCRIBE = 55799;

  private Cbor() {}

  /** A malformed or hostile CBOR document. */
  public static final class CborException extends IcException {
    private static final long serialVersionUID = 1L;

    CborException(String message) {
      super("invalid CBOR: " + message + "; send a CBOR document as the IC interface spec's"
          + " \"CBOR encoding of requests and responses\" describes");
    }
  }

  // ---- encoding ----

  /** Encodes {@code value} behind the self-describing tag. */
  public static byte[] encode(Object value) {
    // Sized first, so that a large blob (a 1 MiB chunk in an envelope) is copied once, into the
    // result, instead of through the stream's doublings and toByteArray.
    Exact out = new Exact(3 + size(value, 0));
    head(out, 6, SELF_DESCRIBE);
    write(out, value, 0);
    return out.bytes();
  }

  /** A stream whose array is handed out without a copy when it was sized exactly. */
  private static final class Exact extends ByteArrayOutputStream {
    Exact(long size) {
      super((int) Math.min(size, Integer.MAX_VALUE - 8));
    }

    byte[] bytes() {
      return count == buf.length ? buf : toByteArray();
    }
  }

  /** The encoded size of {@code v} (an estimate only for types {@link #write} refuses). */
  private static long size(Object v, int depth) {
    if (depth > MAX_DEPTH) {
      return 0; // write refuses it
    }
    if (v instanceof byte[] bytes) {
      return headSize(bytes.length) + bytes.length;
    }
    if (v instanceof String s) {
      // UTF-8 takes at most 3 bytes per UTF-16 unit; exact for ASCII, the common case.
      long n = s.length();
      for (int i = 0; i < s.length(); i++) {
        if (s.charAt(i) >= 0x80) {
          n = s.getBytes(StandardCharsets.UTF_8).length;
          break;
        }
      }
      return headSize(n) + n;
    }
    if (v instanceof Integer || v instanceof Long) {
      long n = ((Number) v).longValue();
      return headSize(n >= 0 ? n : -1 - n);
    }
    if (v instanceof BigInteger b) {
      return b.signum() < 0 || b.bitLength() > 64 ? 0 : headSize(b.longValue());
    }
    if (v instanceof List<?> list) {
      long n = headSize(list.size());
      for (Object o : list) {
        n += size(o, depth + 1);
      }
      return n;
    }
    if (v instanceof Map<?, ?> map) {
      long n = headSize(map.size());
      for (Map.Entry<?, ?> e : map.entrySet()) {
        n += size(e.getKey(), depth + 1) + size(e.getValue(), depth + 1);
      }
      return n;
    }
    return 1; // null, booleans
  }

  private static int headSize(long arg) {
    if (arg >= 0 && arg < 24) {
      return 1;
    }
    if (arg >= 0 && arg < 0x100) {
      return 2;
    }
    if (arg >= 0 && arg < 0x10000) {
      return 3;
    }
    return arg >= 0 && arg < 0x1_0000_0000L ? 5 : 9;
  }

  private static void write(ByteArrayOutputStream out, Object v, int depth) {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException("value nested deeper than " + MAX_DEPTH);
    }
    if (v == null) {
      out.write(0xf6);
    } else if (v instanceof Boolean b) {
      out.write(b ? 0xf5 : 0xf4);
    } else if (v instanceof Integer || v instanceof Long) {
      long n = ((Number) v).longValue();
      if (n >= 0) {
        head(out, 0, n);
      } else {
        head(out, 1, -1 - n);
      }
    } else if (v instanceof BigInteger b) {
      if (b.signum() < 0 || b.bitLength() > 64) {
        throw new IllegalArgumentException("integer out of the 64-bit unsigned range: " + b);
      }
      head(out, 0, b.longValue());
    } else if (v instanceof byte[] bytes) {
      head(out, 2, bytes.length);
      out.writeBytes(bytes);
    } else if (v instanceof String s) {
      byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
      head(out, 3, bytes.length);
      out.writeBytes(bytes);
    } else if (v instanceof List<?> list) {
      head(out, 4, list.size());
      for (Object o : list) {
        write(out, o, depth + 1);
      }
    } else if (v instanceof Map<?, ?> map) {
      head(out, 5, map.size());
      for (Map.Entry<?, ?> e : map.entrySet()) {
        write(out, e.getKey(), depth + 1);
        write(out, e.getValue(), depth + 1);
      }
    } else {
      throw new IllegalArgumentException("cannot encode " + v.getClass().getName() + " as CBOR");
    }
  }

  /** A major type and its argument; {@code arg} is read as unsigned. */
  private static void head(ByteArrayOutputStream out, int major, long arg) {
    int m = major << 5;
    if (arg >= 0 && arg < 24) {
      out.write(m | (int) arg);
    } else if (arg >= 0 && arg < 0x100) {
      out.write(m | 24);
      out.write((int) arg);
    } else if (arg >= 0 && arg < 0x10000) {
      out.write(m | 25);
      out.write((int) (arg >> 8));
      out.write((int) arg);
    } else if (arg >= 0 && arg < 0x1_0000_0000L) {
      out.write(m | 26);
      for (int i = 3; i >= 0; i--) {
        out.write((int) (arg >> (8 * i)));
      }
    } else {
      out.write(m | 27);
      for (int i = 7; i >= 0; i--) {
        out.write((int) (arg >> (8 * i)));
      }
    }
  }

  // ---- decoding ----

  /**
   * Decodes one CBOR item that fills {@code data}, skipping self-describing tags.
   *
   * @throws CborException if the data is not such an item, or breaks a bound
   */
  public static Object decode(byte[] data) {
    Reader r = new Reader(data);
    Object v = r.item(0);
    if (v == BREAK) {
      throw new CborException("unexpected break");
    }
    if (r.pos != data.length) {
      throw new CborException((data.length - r.pos) + " bytes after the item");
    }
    return v;
  }

  private static final Object BREAK = new Object();

  private static final class Reader {
    private final byte[] data;
    private int pos;

    Reader(byte[] data) {
      this.data = data;
    }

    private int remaining() {
      return data.length - pos;
    }

    private int u8() {
      if (pos >= data.length) {
        throw new CborException("truncated at byte " + pos);
      }
      return data[pos++] & 0xff;
    }

    /** The argument of a head; -1 for indefinite length. Values above 2^63 come back negative-2. */
    private long argument(int info) {
      if (info < 24) {
        return info;
      }
      int n = switch (info) {
        case 24 -> 1;
        case 25 -> 2;
        case 26 -> 4;
        case 27 -> 8;
        case 31 -> 0;
        default -> throw new CborException("reserved additional information " + info);
      };
      if (n == 0) {
        return -1;
      }
      long v = 0;
      for (int i = 0; i < n; i++) {
        v = (v << 8) | u8();
      }
      return v;
    }

    /** A length that must fit in what remains ({@code unit} bytes at least per element). */
    private int length(long arg, int unit) {
      if (arg < 0 || arg > remaining() / unit) {
        throw new CborException("declared length " + Long.toUnsignedString(arg)
            + " exceeds the " + remaining() + " bytes left");
      }
      return (int) arg;
    }

    Object item(int depth) {
      if (depth > MAX_DEPTH) {
        throw new CborException("nested deeper than " + MAX_DEPTH + " levels");
      }
      int ib = u8();
      int major = ib >> 5;
      int info = ib & 0x1f;
      if (ib == 0xff) {
        return BREAK;
      }
      long arg = argument(info);
      switch (major) {
        case 0:
          if (info == 31) {
            throw new CborException("indefinite integer");
          }
          return arg >= 0 ? (Object) arg : new BigInteger(Long.toUnsignedString(arg));
        case 1:
          if (info == 31 || arg < 0) {
            throw new CborException("negative integer out of range");
          }
          return -1 - arg;
        case 2:
          return info == 31 ? chunks(2) : bytes(length(arg, 1));
        case 3: {
          byte[] b = info == 31 ? chunks(3) : bytes(length(arg, 1));
          return utf8(b);
        }
        case 4: {
          List<Object> list = new ArrayList<>();
          if (info == 31) {
            while (true) {
              Object o = item(depth + 1);
              if (o == BREAK) {
                return list;
              }
              list.add(o);
            }
          }
          int n = length(arg, 1);
          for (int i = 0; i < n; i++) {
            list.add(notBreak(item(depth + 1)));
          }
          return list;
        }
        case 5: {
          Map<String, Object> map = new LinkedHashMap<>();
          long n = info == 31 ? Long.MAX_VALUE : length(arg, 2);
          for (long i = 0; i < n; i++) {
            Object k = item(depth + 1);
            if (k == BREAK && info == 31) {
              return map;
            }
            if (!(k instanceof String key)) {
              throw new CborException("a map key is not text");
            }
            if (map.put(key, notBreak(item(depth + 1))) != null) {
              throw new CborException("duplicate map key " + key);
            }
          }
          return map;
        }
        case 6:
          if (arg != SELF_DESCRIBE) {
            throw new CborException("unsupported tag " + Long.toUnsignedString(arg));
          }
          return notBreak(item(depth + 1));
        default:
          return switch (info) {
            case 20 -> Boolean.FALSE;
            case 21 -> Boolean.TRUE;
            case 22 -> null;
            default -> throw new CborException("unsupported simple value or float " + info);
          };
      }
    }

    private Object notBreak(Object o) {
      if (o == BREAK) {
        throw new CborException("unexpected break");
      }
      return o;
    }

    private byte[] bytes(int n) {
      byte[] b = new byte[n];
      System.arraycopy(data, pos, b, 0, n);
      pos += n;
      return b;
    }

    /** An indefinite-length byte or text string: definite chunks of the same type, then break. */
    private byte[] chunks(int major) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      while (true) {
        int ib = u8();
        if (ib == 0xff) {
          return out.toByteArray();
        }
        if (ib >> 5 != major || (ib & 0x1f) == 31) {
          throw new CborException("bad chunk in an indefinite-length string");
        }
        out.writeBytes(bytes(length(argument(ib & 0x1f), 1)));
      }
    }
  }

  private static String utf8(byte[] b) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      throw new CborException("text is not UTF-8");
    }
  }
}
