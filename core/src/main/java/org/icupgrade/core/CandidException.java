package org.icupgrade.core;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A Candid message could not be read as the type it must have: bytes that are not Candid, a
 * value of the wrong type, a missing field, a number out of range, or a message over the decoder's
 * budget. It names the method and, where known, the field. Never transient: the same bytes fail
 * the same way.
 *
 * <p>Raised by every decoder of the library, for replies a client reads and for arguments the
 * embedded replica reads, so a caller handles a hostile or broken peer with one {@code catch}.
 */
public final class CandidException extends IcException {
  private static final long serialVersionUID = 1L;

  private final @Nullable String method;
  private final @Nullable String field;

  /**
   * @param method the method whose argument or reply was read ({@code null} when unknown)
   * @param field the field path where reading failed, such as {@code settings.controllers}
   *     ({@code null} when the failure is not in one field)
   * @param detail what was wrong
   */
  public CandidException(
      @Nullable String method, @Nullable String field, String detail, @Nullable Throwable cause) {
    super(describe(method, field, detail), cause);
    this.method = method;
    this.field = field;
  }

  private static String describe(@Nullable String method, @Nullable String field, String detail) {
    StringBuilder sb = new StringBuilder("malformed Candid");
    if (method != null) {
      sb.append(" in ").append(method);
    }
    if (field != null) {
      sb.append(" at ").append(field);
    }
    return sb.append(": ").append(detail).toString();
  }

  /** The method whose message failed to decode, where known. */
  public Optional<String> method() {
    return Optional.ofNullable(method);
  }

  /** The field path where decoding failed, where known. */
  public Optional<String> field() {
    return Optional.ofNullable(field);
  }
}
