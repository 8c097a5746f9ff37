package org.icupgrade.core.management;

import java.util.List;
import java.util.Objects;
import org.icupgrade.core.Principal;

/**
 * {@code log_visibility} (ic.did): who may read a canister's logs: its controllers (the
 * default), everyone, or the controllers and a list of allowed viewers.
 */
public final class LogVisibility {
  private static final LogVisibility CONTROLLERS = new LogVisibility(Kind.CONTROLLERS, List.of());
  private static final LogVisibility PUBLIC = new LogVisibility(Kind.PUBLIC, List.of());

  /** The variant's tags. */
  public enum Kind {
    /** {@code controllers}: only the controllers. */
    CONTROLLERS,
    /** {@code public}: everyone. */
    PUBLIC,
    /** {@code allowed_viewers}: the controllers and the listed principals. */
    ALLOWED_VIEWERS
  }

  private final Kind kind;
  private final List<Principal> allowedViewers;

  private LogVisibility(Kind kind, List<Principal> allowedViewers) {
    this.kind = kind;
    this.allowedViewers = List.copyOf(allowedViewers);
  }

  /** {@code controllers}, the IC's default. */
  public static LogVisibility controllers() {
    return CONTROLLERS;
  }

  /** {@code public}. */
  public static LogVisibility everyone() {
    return PUBLIC;
  }

  /**
   * {@code allowed_viewers}.
   *
   * @param viewers the principals besides the controllers who may read the logs
   * @return the setting
   */
  public static LogVisibility allowedViewers(List<Principal> viewers) {
    return new LogVisibility(Kind.ALLOWED_VIEWERS, viewers);
  }

  /** Which of the three. */
  public Kind kind() {
    return kind;
  }

  /** The allowed viewers; empty unless {@link Kind#ALLOWED_VIEWERS}. */
  public List<Principal> viewers() {
    return allowedViewers;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LogVisibility l && l.kind == kind && l.allowedViewers.equals(allowedViewers);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, allowedViewers);
  }

  @Override
  public String toString() {
    return kind == Kind.ALLOWED_VIEWERS ? "allowed_viewers" + allowedViewers
        : kind.name().toLowerCase(java.util.Locale.ROOT);
  }
}
