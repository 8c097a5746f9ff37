package org.icupgrade.candid.internal;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.icupgrade.core.CandidException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.jspecify.annotations.Nullable;

/**
 * A decoded Candid record read by field name. A missing field, or one of the wrong type, throws a
 * {@link CandidException} naming the message and the field path (see {@link Decoded}). Fields not
 * asked for are ignored, as Candid subtyping allows.
 */
public final class Fields {
  private final Map<?, ?> fields;
  private final Decoded self;

  Fields(Map<?, ?> fields, Decoded self) {
    this.fields = fields;
    this.self = self;
  }

  /**
   * Decodes a message whose first value is a record.
   *
   * @param method what the message is, for errors: {@code upload_chunk argument}
   * @throws CandidException when the bytes are not Candid, carry no value, or the first is not a
   *     record
   */
  public static Fields of(byte[] candid, String method) {
    return of(candid, method, DecodeBudget.DEFAULT);
  }

  /**
   * {@link #of(byte[], String)} within {@code budget}.
   *
   * @param method what the message is, for errors: {@code upload_chunk argument}
   * @param budget how many values the message may make
   * @throws CandidException when the bytes are not Candid, carry no value, the first is not a
   *     record, or they need more values than the budget
   */
  public static Fields of(byte[] candid, String method, DecodeBudget budget) {
    return Idl.decodeFirst(candid, method, budget).record();
  }

  /**
   * {@link #of(byte[], String)}, its blobs {@link BlobView}s of {@code candid} rather than copies
   * ({@link #blobView}; {@link #blob} copies them).
   */
  public static Fields ofViews(byte[] candid, String method) {
    List<@Nullable Object> args =
        CandidDecoder.decodeWithBlobViews(candid, method, DecodeBudget.DEFAULT);
    if (args.isEmpty()) {
      throw new CandidException(method, null, "expected a value, got none", null);
    }
    return Decoded.of(args.get(0), method).record();
  }

  private @Nullable Object raw(String name) {
    long id = Idl.hash(name);
    if (fields instanceof FieldValues decoded) {
      return decoded.value(id);
    }
    for (Map.Entry<?, ?> e : fields.entrySet()) {
      if (e.getKey() instanceof Long k && k == id) {
        return e.getValue();
      }
    }
    return null;
  }

  /** This record as a value, for errors about the record as a whole. */
  public Decoded self() {
    return self;
  }

  @Override
  public String toString() {
    return self.method() + (self.field() == null ? "" : " at " + self.field());
  }

  public boolean has(String name) {
    return raw(name) != null;
  }

  /** A field that must be there. */
  public Decoded get(String name) {
    Object v = raw(name);
    if (v == null) {
      // A field of type null decodes as null too; no field read by name has that type.
      throw self.notOfType("missing field " + name);
    }
    return self.field(name, v);
  }

  /**
   * An {@code opt} field: empty when absent or {@code null} (Candid spec, decoding rules,
   * "Records": missing fields of option type turn into null). Prefer {@link #opt(String, Function)}.
   */
  public Optional<Decoded> opt(String name) {
    Object v = raw(name);
    return v == null ? Optional.empty() : self.field(name, v).opt();
  }

  /**
   * An {@code opt} field read with {@code read}: empty when absent, {@code null}, or of a type
   * {@code read} does not read (see {@link Decoded#opt(Function)}).
   */
  public <T> Optional<T> opt(String name, Function<Decoded, ? extends T> read) {
    Object v = raw(name);
    return v == null ? Optional.empty() : self.field(name, v).opt(read);
  }

  /** A {@code nat16} field. */
  public int nat16(String name) {
    return get(name).nat16();
  }

  public Principal principal(String name) {
    return get(name).principal();
  }

  public byte[] blob(String name) {
    return get(name).blob();
  }

  /** A {@code blob} field as a view ({@link #ofViews}). */
  public BlobView blobView(String name) {
    return get(name).blobView();
  }

  public Sha256 sha256(String name) {
    return get(name).sha256();
  }

  public BigInteger nat(String name) {
    return get(name).nat();
  }

  public long natLong(String name) {
    return get(name).natLong();
  }

  public int natInt(String name) {
    return get(name).natInt();
  }

  public BigInteger integer(String name) {
    return get(name).integer();
  }

  /** A {@code nat64} as its unsigned value. */
  public BigInteger nat64(String name) {
    return get(name).nat64();
  }

  /** A {@code nat64} as the {@code long} with the same bits. */
  public long nat64Bits(String name) {
    return get(name).nat64Bits();
  }

  public boolean bool(String name) {
    return get(name).bool();
  }

  public String text(String name) {
    return get(name).text();
  }

  public Fields record(String name) {
    return get(name).record();
  }

  public List<Decoded> vec(String name) {
    return get(name).vec();
  }

  /** The tag of a variant field, among {@code tags}. */
  public String variant(String name, String... tags) {
    return get(name).variant(tags).tag();
  }
}
