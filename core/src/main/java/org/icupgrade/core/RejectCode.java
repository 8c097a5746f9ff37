package org.icupgrade.core;

/** The reject codes of the interface spec ("Reject codes"). */
public enum RejectCode {
  /** 1: fatal system error, retry unlikely to be useful. */
  SYS_FATAL(1),
  /** 2: transient system error, retry might be possible. */
  SYS_TRANSIENT(2),
  /** 3: invalid destination (e.g. canister/account does not exist). */
  DESTINATION_INVALID(3),
  /** 4: explicit reject by the canister. */
  CANISTER_REJECT(4),
  /** 5: canister error (e.g. trap, no response). */
  CANISTER_ERROR(5),
  /** 6: response unknown; the system stopped waiting for it (best-effort calls). */
  SYS_UNKNOWN(6);

  private final int code;

  RejectCode(int code) {
    this.code = code;
  }

  /** The numeric code on the wire. */
  public int code() {
    return code;
  }

  /** The constant for a numeric code; unknown codes map to {@link #SYS_FATAL}. */
  public static RejectCode of(int code) {
    for (RejectCode c : values()) {
      if (c.code == code) {
        return c;
      }
    }
    return SYS_FATAL;
  }
}
