package org.icupgrade.core.assets;

import java.util.List;
import java.util.Objects;
import org.icupgrade.core.Principal;

/**
 * What a sync of a release to a canister will do, computed from the canister's {@code list}
 * before anything is sent: which keys are new, changed or stale, which are unchanged, and which
 * are left alone because they are protected. Print it for a dry run; pass it to {@link
 * AssetSyncer#apply} to carry it out.
 */
public final class AssetDiff {
  private final Principal canisterId;
  private final FrontendRelease release;
  private final List<AssetChange> changes;
  private final List<String> unchanged;
  private final List<String> protectedKeys;

  private AssetDiff(
      Principal canisterId, FrontendRelease release, List<AssetChange> changes,
      List<String> unchanged, List<String> protectedKeys) {
    this.canisterId = Objects.requireNonNull(canisterId, "canisterId");
    this.release = Objects.requireNonNull(release, "release");
    this.changes = changes.stream()
        .sorted((a, b) -> FrontendRelease.KEY_ORDER.compare(a.key(), b.key())).toList();
    this.unchanged = List.copyOf(unchanged);
    this.protectedKeys = List.copyOf(protectedKeys);
  }

  /**
   * A diff.
   *
   * @param changes the keys to create, change or delete (any order; kept in key order)
   * @param unchanged release keys the canister already holds as they are
   * @param protectedKeys keys on the canister that are protected and therefore neither deleted
   *     nor overwritten, whatever the release says
   */
  public static AssetDiff of(
      Principal canisterId, FrontendRelease release, List<AssetChange> changes,
      List<String> unchanged, List<String> protectedKeys) {
    return new AssetDiff(canisterId, release, changes, unchanged, protectedKeys);
  }

  /** The canister the diff was computed against. */
  public Principal canisterId() {
    return canisterId;
  }

  /** The release the diff brings the canister to. */
  public FrontendRelease release() {
    return release;
  }

  /** Every change, in key order. */
  public List<AssetChange> changes() {
    return changes;
  }

  /** The changes of one kind, in key order. */
  public List<AssetChange> changes(AssetChange.Kind kind) {
    return changes.stream().filter(c -> c.kind() == kind).toList();
  }

  /** The keys that need nothing. */
  public List<String> unchanged() {
    return unchanged;
  }

  /** The protected keys on the canister, left as they are. */
  public List<String> protectedKeys() {
    return protectedKeys;
  }

  /** Whether the canister already serves the release: a sync would send nothing. */
  public boolean isEmpty() {
    return changes.isEmpty();
  }

  /** Bytes a sync would upload. */
  public long uploadBytes() {
    return changes.stream().mapToLong(AssetChange::uploadBytes).sum();
  }

  /** A one-line count, e.g. {@code 1 new, 2 changed, 3 stale, 994 unchanged, 2 protected}. */
  public String counts() {
    return changes(AssetChange.Kind.NEW).size() + " new, "
        + changes(AssetChange.Kind.CHANGED).size() + " changed, "
        + changes(AssetChange.Kind.STALE).size() + " stale, "
        + unchanged.size() + " unchanged, "
        + protectedKeys.size() + " protected";
  }

  /**
   * A readable multi-line summary: a header with the canister, the release's frontend hash and the
   * counts, then one line per change ({@code +} new, {@code ~} changed, {@code -} stale) and one
   * per protected key ({@code =}).
   */
  public String summary() {
    StringBuilder sb = new StringBuilder();
    sb.append("asset diff for ").append(canisterId)
        .append(" to frontend ").append(release.frontendHash().hex()).append('\n')
        .append("  ").append(counts()).append(", ").append(uploadBytes())
        .append(" bytes to upload\n");
    for (AssetChange c : changes) {
      sb.append("  ").append(c).append('\n');
    }
    for (String k : protectedKeys) {
      sb.append("  = ").append(k).append(" (protected, kept)\n");
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AssetDiff d
        && canisterId.equals(d.canisterId)
        && release.equals(d.release)
        && changes.equals(d.changes)
        && unchanged.equals(d.unchanged)
        && protectedKeys.equals(d.protectedKeys);
  }

  @Override
  public int hashCode() {
    return Objects.hash(canisterId, release, changes, unchanged, protectedKeys);
  }

  /** Same as {@link #summary()}. */
  @Override
  public String toString() {
    return summary();
  }
}
