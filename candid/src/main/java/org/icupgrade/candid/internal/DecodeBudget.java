package org.icupgrade.candid.internal;

/**
 * How many values the Candid decoder may materialise for one message, in total: every value
 * counts one, wherever it is (an argument, a record field, a vector element, the payload of an
 * {@code opt} or a variant), and so does a value that takes no bytes on the wire ({@code null},
 * {@code reserved}, {@code record {}}). A message that needs more is refused with a
 * {@link org.icupgrade.core.CandidException} naming the method and the field path where the budget
 * ran out, before anything more is allocated.
 *
 * <p>Why a budget per message: a vector's length is checked against the bytes that remain, but
 * values of a zero-width type take no bytes, so their count cannot be; a bound per vector does not
 * help either, as {@code vec (vec record {})} multiplies it (104 bytes once allocated 1.9 GB). The
 * Candid spec leaves this bound to the decoder.
 *
 * <p>The budget of a message of {@code n} bytes is {@code valuesPerInputByte × n + baseValues},
 * and never more than {@code maxValues}. The {@link #DEFAULT} (2 per byte plus 65,536, at most
 * what a message at the limit gets) is tied to the IC's message limit of 2 MiB
 * ({@link #IC_MESSAGE_LIMIT}, ingress messages and replies alike): a message at that limit may make
 * at most 4,259,840 values (each a few tens of bytes of heap, so a few hundred MB at the very worst),
 * a longer one no more, and a small message at most 65,536 plus a few; every interface this library
 * reads needs well under one value per byte (a record field, a vector element or a variant takes at
 * least one byte unless its type is zero-width, and a blob or a text is one value however long).
 * Time is bounded with it: the decoder's work is linear in the input plus the values it makes.
 *
 * <p>Configuration: {@link Idl#decode(byte[], String, DecodeBudget)},
 * {@link Idl#decodeFirst(byte[], String, DecodeBudget)} and
 * {@link Fields#of(byte[], String, DecodeBudget)} take a budget; every other decoder of this
 * module (the typed decoders of {@link ManagementCandid} and {@link AssetCandid}, and so the ports
 * over an agent and the embedded replica) uses {@link #DEFAULT}.
 */
public final class DecodeBudget {
  /** The IC's limit on the size of an ingress message and of a reply: 2 MiB. */
  public static final int IC_MESSAGE_LIMIT = 2 * 1024 * 1024;

  /**
   * 2 values per input byte plus 65,536, at most what a message of {@link #IC_MESSAGE_LIMIT} bytes
   * gets: see the class comment.
   */
  public static final DecodeBudget DEFAULT =
      new DecodeBudget(2, 65_536, 2L * IC_MESSAGE_LIMIT + 65_536);

  private final long valuesPerInputByte;
  private final long baseValues;
  private final long maxValues;

  private DecodeBudget(long valuesPerInputByte, long baseValues, long maxValues) {
    this.valuesPerInputByte = valuesPerInputByte;
    this.baseValues = baseValues;
    this.maxValues = maxValues;
  }

  /**
   * A budget of {@code valuesPerInputByte × n + baseValues} values for a message of {@code n}
   * bytes.
   *
   * @param valuesPerInputByte at least 0; values a message may make per byte of its length
   * @param baseValues at least 1 (a message of one value must decode); values any message may make
   * @throws IllegalArgumentException when either is out of range
   */
  public static DecodeBudget of(long valuesPerInputByte, long baseValues) {
    return of(valuesPerInputByte, baseValues, Long.MAX_VALUE);
  }

  /**
   * A budget of {@code valuesPerInputByte × n + baseValues} values for a message of {@code n}
   * bytes, and never more than {@code maxValues}.
   *
   * @param valuesPerInputByte at least 0; values a message may make per byte of its length
   * @param baseValues at least 1 (a message of one value must decode); values any message may make
   * @param maxValues at least {@code baseValues}; values no message may exceed, however long
   * @throws IllegalArgumentException when one is out of range
   */
  public static DecodeBudget of(long valuesPerInputByte, long baseValues, long maxValues) {
    if (valuesPerInputByte < 0 || baseValues < 1 || maxValues < baseValues) {
      throw new IllegalArgumentException("a decode budget needs valuesPerInputByte >= 0, "
          + "baseValues >= 1 and maxValues >= baseValues, got " + valuesPerInputByte + ", "
          + baseValues + " and " + maxValues);
    }
    return new DecodeBudget(valuesPerInputByte, baseValues, maxValues);
  }

  /** Values a message may make per byte of its length. */
  public long valuesPerInputByte() {
    return valuesPerInputByte;
  }

  /** Values any message may make, whatever its length. */
  public long baseValues() {
    return baseValues;
  }

  /** Values no message may exceed, however long. */
  public long maxValues() {
    return maxValues;
  }

  /** The budget of a message of {@code length} bytes. */
  public long valuesFor(int length) {
    long perByte = valuesPerInputByte == 0 ? 0
        : length > Long.MAX_VALUE / valuesPerInputByte ? Long.MAX_VALUE
        : valuesPerInputByte * length;
    long budget = perByte > Long.MAX_VALUE - baseValues ? Long.MAX_VALUE : perByte + baseValues;
    return Math.min(budget, maxValues);
  }

  @Override
  public String toString() {
    return "DecodeBudget[" + valuesPerInputByte + " values per byte + " + baseValues
        + ", at most " + maxValues + "]";
  }
}
