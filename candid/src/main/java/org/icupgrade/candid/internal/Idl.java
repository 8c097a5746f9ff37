package org.icupgrade.candid.internal;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.icupgrade.core.CandidException;
import org.icupgrade.core.Principal;
import org.jspecify.annotations.Nullable;

/**
 * A small vocabulary for Candid: type constructors, record values by field name, encoding and
 * decoding (ours: see {@link CandidEncoder} and {@link CandidDecoder} for why not ic4j-candid's).
 * Decoded values are read back with {@link Decoded} and {@link Fields}.
 *
 * <p>Two kinds of failure: a message that cannot be read as what it must be throws
 * {@code CandidException} (core's, an {@code IcException}), naming the message and where known
 * the field; a value of ours that does not fit its type when encoding throws
 * {@link IllegalArgumentException}, a programming error.
 */
public final class Idl {
  public static final CandidType NULL = CandidType.primitive(CandidType.NULL);
  public static final CandidType BOOL = CandidType.primitive(CandidType.BOOL);
  public static final CandidType NAT = CandidType.primitive(CandidType.NAT);
  public static final CandidType NAT8 = CandidType.primitive(CandidType.NAT8);
  public static final CandidType NAT16 = CandidType.primitive(CandidType.NAT16);
  public static final CandidType NAT32 = CandidType.primitive(CandidType.NAT32);
  public static final CandidType NAT64 = CandidType.primitive(CandidType.NAT64);
  public static final CandidType INT = CandidType.primitive(CandidType.INT);
  public static final CandidType TEXT = CandidType.primitive(CandidType.TEXT);
  public static final CandidType RESERVED = CandidType.primitive(CandidType.RESERVED);
  public static final CandidType PRINCIPAL = CandidType.primitive(CandidType.PRINCIPAL);
  public static final CandidType BLOB = vec(NAT8);

  private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

  private Idl() {}

  public static CandidType opt(CandidType inner) {
    return CandidType.wrap(CandidType.OPT, inner);
  }

  public static CandidType vec(CandidType inner) {
    return CandidType.wrap(CandidType.VEC, inner);
  }

  /** A record type from name/type pairs: {@code record("canister_id", PRINCIPAL, ...)}. */
  public static CandidType record(Object... nameTypePairs) {
    return CandidType.fields(CandidType.RECORD, nameTypePairs);
  }

  /** A variant type from name/type pairs; use {@link #NULL} for tags without payload. */
  public static CandidType variant(Object... nameTypePairs) {
    return CandidType.fields(CandidType.VARIANT, nameTypePairs);
  }

  /**
   * A record value from name/value pairs, or a variant value from one name/payload pair (payload
   * {@code null} for a tag of type null). Values: Boolean, BigInteger (nat/int), Long or BigInteger
   * (nat64), String, our Principal, Optional (opt), byte[] or ByteBuffer (blob: a buffer's
   * remaining bytes, read without moving its position; either is copied once, into the message),
   * List or Object[] (vec), Map.
   */
  public static Map<String, @Nullable Object> value(@Nullable Object... nameValuePairs) {
    Map<String, @Nullable Object> m = new LinkedHashMap<>();
    for (int i = 0; i < nameValuePairs.length; i += 2) {
      m.put((String) nameValuePairs[i], nameValuePairs[i + 1]);
    }
    return m;
  }

  /** Principals are encoded as they are. */
  public static Principal principal(Principal p) {
    return p;
  }

  /** An optional value: {@code Optional.empty()} for null. */
  public static Optional<Object> opt(@Nullable Object value) {
    return Optional.ofNullable(value);
  }

  /** A {@code nat64} from an unsigned value held in a BigInteger, checked for range. */
  public static Long nat64(BigInteger value) {
    if (value.signum() < 0 || value.compareTo(TWO_64) >= 0) {
      throw new IllegalArgumentException("not a nat64: " + value);
    }
    return value.longValue();
  }

  /**
   * Encodes one argument list. {@code valuesAndTypes} alternates value, type.
   *
   * @throws IllegalArgumentException when a value does not fit its type (a negative nat, a record
   *     value without one of the type's fields, a Java object of the wrong class): the values are
   *     the caller's own, so that is a programming error, not a malformed message
   */
  public static byte[] encode(Object... valuesAndTypes) {
    List<CandidType> types = new ArrayList<>();
    List<Object> values = new ArrayList<>();
    for (int i = 0; i < valuesAndTypes.length; i += 2) {
      values.add(valuesAndTypes[i]);
      types.add((CandidType) valuesAndTypes[i + 1]);
    }
    return CandidEncoder.encode(types, values);
  }

  /** The empty argument list {@code ()}. */
  public static byte[] empty() {
    return CandidEncoder.encode(List.of(), List.of());
  }
  /**
   * Decodes an argument list into generic values, one per argument (see {@link CandidDecoder}),
   * within the {@link DecodeBudget#DEFAULT default budget}.
   *
   * @param method what the message is, for errors: {@code upload_chunk argument}
   * @throws CandidException when the bytes are not Candid, or need more values than the budget
   */
  public static List<@Nullable Object> decode(byte[] candid, String method) {
    return CandidDecoder.decode(candid, method, DecodeBudget.DEFAULT);
  }

  /**
   * {@link #decode(byte[], String)} within {@code budget}.
   *
   * @param method what the message is, for errors: {@code upload_chunk argument}
   * @param budget how many values the message may make
   * @throws CandidException when the bytes are not Candid, or need more values than the budget
   */
  public static List<@Nullable Object> decode(byte[] candid, String method, DecodeBudget budget) {
    return CandidDecoder.decode(candid, method, budget);
  }

  /** {@link #decode(byte[], String)} of a message nobody named (tests, tools). */
  public static List<@Nullable Object> decode(byte[] candid) {
    return CandidDecoder.decode(candid, null, DecodeBudget.DEFAULT);
  }

  /**
   * Decodes an argument list that must have at least one value, and returns the first; values
   * beyond are ignored, as Candid subtyping allows.
   *
   * @param method what the message is, for errors: {@code upload_chunk argument}
   * @throws CandidException when the bytes are not Candid or carry no value
   */
  public static Decoded decodeFirst(byte[] candid, String method) {
    return decodeFirst(candid, method, DecodeBudget.DEFAULT);
  }

  /**
   * {@link #decodeFirst(byte[], String)} within {@code budget}.
   *
   * @param method what the message is, for errors: {@code upload_chunk argument}
   * @param budget how many values the message may make
   * @throws CandidException when the bytes are not Candid, carry no value, or need more values
   *     than the budget
   */
  public static Decoded decodeFirst(byte[] candid, String method, DecodeBudget budget) {
    List<@Nullable Object> args = decode(candid, method, budget);
    if (args.isEmpty()) {
      throw new CandidException(method, null, "expected a value, got none", null);
    }
    return Decoded.of(args.get(0), method);
  }

  /**
   * The Candid field id of a name (Candid spec, "Records": idl_hash); a name of digits is the id
   * itself, as tuple fields {@code record { text; text }} are numbered 0, 1, ...
   */
  public static long hash(String name) {
    if (isTupleIndex(name)) {
      return Long.parseLong(name);
    }
    long h = 0;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      h = (h * 223 + (b & 0xFF)) & 0xFFFFFFFFL;
    }
    return h;
  }

  /** A name of 1 to 10 ASCII digits; a loop, not a stream, as it runs for every field read. */
  private static boolean isTupleIndex(String name) {
    int n = name.length();
    if (n == 0 || n > 10) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = name.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }
}
