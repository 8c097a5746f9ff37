package org.icupgrade.candid.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Candid type, as much of the type language as the IC interfaces need: primitives, {@code opt},
 * {@code vec}, {@code record} and {@code variant} with named fields. Fields are kept in ascending
 * order of their hash, the order the binary format uses.
 */
public final class CandidType {
  /** Type opcodes (Candid spec, "Binary format": T(null) = sleb128(-1) and so on). */
  static final int NULL = -1;
  static final int BOOL = -2;
  static final int NAT = -3;
  static final int INT = -4;
  static final int NAT8 = -5;
  static final int NAT16 = -6;
  static final int NAT32 = -7;
  static final int NAT64 = -8;
  static final int TEXT = -15;
  static final int RESERVED = -16;
  static final int PRINCIPAL = -24;
  static final int OPT = -18;
  static final int VEC = -19;
  static final int RECORD = -20;
  static final int VARIANT = -21;

  /**
   * The names of the fields of every record and variant type made here, by field id, so that the
   * decoder can name a field of a message in an error ({@code operations[3].SetAssetContent}).
   */
  private static final Map<Long, String> NAMES = new ConcurrentHashMap<>();

  /** A named field of a record or variant. */
  record Field(String name, long hash, CandidType type) {}

  final int opcode;
  final CandidType inner;
  final List<Field> fields;

  private CandidType(int opcode, CandidType inner, List<Field> fields) {
    this.opcode = opcode;
    this.inner = inner;
    this.fields = fields;
  }

  static CandidType primitive(int opcode) {
    return new CandidType(opcode, null, List.of());
  }

  static CandidType wrap(int opcode, CandidType inner) {
    return new CandidType(opcode, Objects.requireNonNull(inner), List.of());
  }

  static CandidType fields(int opcode, Object... nameTypePairs) {
    List<Field> fs = new ArrayList<>();
    for (int i = 0; i < nameTypePairs.length; i += 2) {
      String name = (String) nameTypePairs[i];
      long hash = Idl.hash(name);
      fs.add(new Field(name, hash, (CandidType) nameTypePairs[i + 1]));
      NAMES.putIfAbsent(hash, name);
    }
    fs.sort(Comparator.comparingLong(Field::hash));
    for (int i = 1; i < fs.size(); i++) {
      if (fs.get(i).hash() == fs.get(i - 1).hash()) {
        throw new IllegalArgumentException("field hash collision: " + fs.get(i).name());
      }
    }
    return new CandidType(opcode, null, List.copyOf(fs));
  }

  /** The name of field id {@code id} among the types made here, or the id in decimal. */
  static String nameOf(long id) {
    String name = NAMES.get(id);
    return name != null ? name : Long.toString(id);
  }

  boolean isPrimitive() {
    return opcode != OPT && opcode != VEC && opcode != RECORD && opcode != VARIANT;
  }

  boolean isBlob() {
    return opcode == VEC && inner.opcode == NAT8;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CandidType t && opcode == t.opcode && Objects.equals(inner, t.inner)
        && fields.equals(t.fields);
  }

  @Override
  public int hashCode() {
    return Objects.hash(opcode, inner, fields);
  }
}
