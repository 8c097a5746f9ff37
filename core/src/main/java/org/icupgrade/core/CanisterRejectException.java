package org.icupgrade.core;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A call was rejected by a canister or by the system: carries the reject code, the reject message
 * and, where the IC gives one, the error code (e.g. {@code IC0406}).
 */
public class CanisterRejectException extends IcException {
  private static final long serialVersionUID = 1L;

  private final RejectCode rejectCode;
  private final String rejectMessage;
  private final @Nullable String errorCode;
  private final @Nullable Principal canisterId;
  private final @Nullable String method;

  public CanisterRejectException(
      RejectCode rejectCode,
      String rejectMessage,
      @Nullable String errorCode,
      @Nullable Principal canisterId,
      @Nullable String method) {
    super(describe(rejectCode, rejectMessage, errorCode, canisterId, method));
    this.rejectCode = rejectCode;
    this.rejectMessage = rejectMessage;
    this.errorCode = errorCode;
    this.canisterId = canisterId;
    this.method = method;
  }

  private static String describe(
      RejectCode code, String msg, @Nullable String errorCode, @Nullable Principal canisterId,
      @Nullable String method) {
    StringBuilder sb = new StringBuilder();
    if (method != null) {
      sb.append(method);
      if (canisterId != null) {
        sb.append(" on ").append(canisterId);
      }
      sb.append(" rejected: ");
    } else {
      sb.append("rejected: ");
    }
    sb.append(msg).append(" (").append(code);
    if (errorCode != null) {
      sb.append(", ").append(errorCode);
    }
    return sb.append(')').toString();
  }

  public RejectCode rejectCode() {
    return rejectCode;
  }

  public String rejectMessage() {
    return rejectMessage;
  }

  public Optional<String> errorCode() {
    return Optional.ofNullable(errorCode);
  }

  /** The canister that was called, where known. */
  public Optional<Principal> canisterId() {
    return Optional.ofNullable(canisterId);
  }

  /** The method that was called, where known. */
  public Optional<String> method() {
    return Optional.ofNullable(method);
  }

  /** Only {@link RejectCode#SYS_TRANSIENT} may succeed when repeated. */
  @Override
  public boolean isTransient() {
    return rejectCode == RejectCode.SYS_TRANSIENT;
  }
}
