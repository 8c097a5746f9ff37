package org.icupgrade.http;

import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.RejectCode;
import org.jspecify.annotations.Nullable;

/**
 * A {@link CanisterRejectException} read from the replica's answer: the reject code, message and
 * IC error code come from the answer's own fields ({@code reject_code}, {@code reject_message},
 * {@code error_code}), and {@link #certified()} says whether a certificate vouched for them (an
 * update's {@code request_status}) or only the replica that answered (a query, or a call refused
 * before it ran).
 */
public final class HttpRejectException extends CanisterRejectException {
  private static final long serialVersionUID = 1L;

  private final boolean certified;

  HttpRejectException(
      RejectCode code, String message, @Nullable String errorCode, boolean certified,
      Principal canisterId, String method) {
    super(code, message, errorCode, canisterId, method);
    this.certified = certified;
  }

  /**
   * Whether the reject was read from a verified certificate.
   *
   * @return true for an update's certified {@code request_status}; false for a query's reject or a
   *     call the replica refused before it ran
   */
  public boolean certified() {
    return certified;
  }
}
