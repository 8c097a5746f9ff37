package org.icupgrade.deployer.registry;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.icupgrade.core.IcException;
import org.icupgrade.core.upgrade.UpgradeProgress;
import org.jspecify.annotations.Nullable;

/**
 * The running (or hand-back pending) upgrade job of a deployment record: its persisted
 * {@link UpgradeProgress}, the release it upgrades to, and its lease: which runner holds the job
 * and until when. A runner renews the lease every time it saves progress; once the lease has
 * expired any deployer sharing the registry may take the job over (a compare-and-set on the
 * record, so only one does) and resume it.
 *
 * <p>Immutable; {@link #toText()} is the form the JDBC registry stores in one column.
 */
public final class UpgradeJobState {
  private final UpgradeProgress progress;
  private final String holder;
  private final Instant leaseExpiry;
  private final @Nullable String releaseTag;

  /**
   * @param progress where the job stands
   * @param holder the runner holding the lease (a deployer's id)
   * @param leaseExpiry when the lease ends unless renewed
   * @param releaseTag the tag of the release the job upgrades to, when known
   */
  public UpgradeJobState(
      UpgradeProgress progress, String holder, Instant leaseExpiry, @Nullable String releaseTag) {
    this.progress = Objects.requireNonNull(progress, "progress");
    this.holder = Objects.requireNonNull(holder, "holder");
    if (holder.isEmpty() || holder.contains("\n")) {
      throw new IllegalArgumentException("a holder id is one non-empty line, got '" + holder + "'");
    }
    this.leaseExpiry = Objects.requireNonNull(leaseExpiry, "leaseExpiry");
    if (releaseTag != null && releaseTag.contains("\n")) {
      throw new IllegalArgumentException("a release tag has no line breaks");
    }
    this.releaseTag = releaseTag;
  }

  /** Where the job stands. */
  public UpgradeProgress progress() {
    return progress;
  }

  /** The runner holding the lease. */
  public String holder() {
    return holder;
  }

  /** When the lease ends unless renewed. */
  public Instant leaseExpiry() {
    return leaseExpiry;
  }

  /** The tag of the release the job upgrades to, when known. */
  public Optional<String> releaseTag() {
    return Optional.ofNullable(releaseTag);
  }

  /**
   * Whether the lease has ended at {@code now}.
   *
   * @param now the current time
   * @return true once {@code now} is at or past the expiry
   */
  public boolean expiredAt(Instant now) {
    return !now.isBefore(leaseExpiry);
  }

  /**
   * This state with other progress and a renewed lease.
   *
   * @param progress the new progress
   * @param holder the runner holding the lease
   * @param leaseExpiry the new expiry
   * @return the changed copy
   */
  public UpgradeJobState with(UpgradeProgress progress, String holder, Instant leaseExpiry) {
    return new UpgradeJobState(progress, holder, leaseExpiry, releaseTag);
  }

  /**
   * The stable text form.
   *
   * @return the text a registry stores
   */
  public String toText() {
    return "holder=" + holder + "\nleaseUntil=" + leaseExpiry.toEpochMilli() + "\n"
        + (releaseTag == null ? "" : "tag=" + releaseTag + "\n") + progress.toText();
  }

  /**
   * Reads {@link #toText()}'s form back.
   *
   * @param text what a registry stored
   * @return the state
   * @throws IcException when the text was not written by this library
   */
  public static UpgradeJobState parse(String text) {
    String holder = null;
    Long until = null;
    String tag = null;
    StringBuilder rest = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      if (line.startsWith("holder=") && holder == null) {
        holder = line.substring("holder=".length());
      } else if (line.startsWith("leaseUntil=") && until == null) {
        try {
          until = Long.parseLong(line.substring("leaseUntil=".length()));
        } catch (NumberFormatException e) {
          throw new IcException("the stored lease of an upgrade job is not a time: " + line, e);
        }
      } else if (line.startsWith("tag=") && tag == null) {
        tag = line.substring("tag=".length());
      } else if (!line.isEmpty()) {
        rest.append(line).append('\n');
      }
    }
    if (holder == null || holder.isEmpty() || until == null) {
      throw new IcException("the stored state of an upgrade job has no lease (holder and"
          + " leaseUntil); it was not written by this library version");
    }
    return new UpgradeJobState(UpgradeProgress.parse(rest.toString()), holder,
        Instant.ofEpochMilli(until), tag);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof UpgradeJobState s && toText().equals(s.toText());
  }

  @Override
  public int hashCode() {
    return toText().hashCode();
  }

  @Override
  public String toString() {
    return "UpgradeJobState[" + progress + ", held by " + holder + " until " + leaseExpiry + "]";
  }
}
