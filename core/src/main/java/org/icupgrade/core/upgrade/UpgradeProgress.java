package org.icupgrade.core.upgrade;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.icupgrade.core.IcException;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.UpgradeScope;
import org.icupgrade.core.management.CanisterStatus;
import org.icupgrade.core.management.SnapshotId;
import org.jspecify.annotations.Nullable;

/**
 * How far an upgrade job got, in the form a registry persists before and after each of its
 * {@link Phase phases}, so that the job can be resumed by another thread or process after a crash.
 *
 * <p>It holds what cannot be read back from the canister once the job has changed it: the run
 * status the canister had before the job stopped it, the module it ran, the snapshot ids that
 * existed before the job took its own (so that a snapshot taken just before a crash is still
 * recognised as the job's), the job's snapshot, whether a rollback was decided, the first failure.
 * Everything else (whether the module is installed, who is a controller or holds {@code Commit})
 * each phase reads from the canister before acting, so repeating a phase is harmless.
 *
 * <p>Immutable. {@link #toText()} and {@link #parse(String)} are a stable, line-based text form
 * (one {@code key=value} per line) that registries store in one column.
 */
public final class UpgradeProgress {
  /** The phases of a job, in the order they normally run. */
  public enum Phase {
    /** Check rights and snapshot slots; remember the run status and module. */
    PREFLIGHT,
    /** Stop the canister, so that no message runs during the install. */
    STOP,
    /** Take the job's own snapshot (or recognise the one taken before a crash). */
    SNAPSHOT,
    /** Install the module (nothing when it is already installed). */
    INSTALL,
    /** Start the canister again, if it was running before the job. */
    START,
    /** Ask the health check about the new module. */
    HEALTH,
    /** Load the job's snapshot back after a failed health check. */
    ROLLBACK,
    /** Sync the frontend. */
    FRONTEND,
    /** Delete the job's own snapshot (never another). */
    DELETE_SNAPSHOT,
    /** Revoke {@code Commit} and leave the controllers. */
    HAND_BACK,
    /** Read back what the canister runs, for the record. */
    RECORD,
    /** Nothing left to do. */
    DONE
  }

  final Principal canisterId;
  final Principal owner;
  final UpgradeScope scope;
  final Phase phase;
  final int attempts;
  final CanisterStatus.@Nullable RunStatus originalStatus;
  final @Nullable Sha256 previousModuleHash;
  final @Nullable Sha256 targetModuleHash;
  final @Nullable Sha256 targetFrontendHash;
  final @Nullable List<SnapshotId> snapshotsBefore;
  final @Nullable SnapshotId snapshotId;
  final boolean keepSnapshot;
  final boolean rolledBack;
  final boolean callerMismatch;
  final boolean frontendSynced;
  final @Nullable Phase pendingFrom;
  final boolean cleanup;
  final @Nullable String failure;

  UpgradeProgress(
      Principal canisterId, Principal owner, UpgradeScope scope, Phase phase, int attempts,
      CanisterStatus.@Nullable RunStatus originalStatus, @Nullable Sha256 previousModuleHash,
      @Nullable Sha256 targetModuleHash, @Nullable Sha256 targetFrontendHash,
      @Nullable List<SnapshotId> snapshotsBefore, @Nullable SnapshotId snapshotId,
      boolean keepSnapshot, boolean rolledBack, boolean callerMismatch, boolean frontendSynced,
      @Nullable Phase pendingFrom, boolean cleanup, @Nullable String failure) {
    this.canisterId = Objects.requireNonNull(canisterId, "canisterId");
    this.owner = Objects.requireNonNull(owner, "owner");
    this.scope = Objects.requireNonNull(scope, "scope");
    this.phase = Objects.requireNonNull(phase, "phase");
    this.attempts = attempts;
    this.originalStatus = originalStatus;
    this.previousModuleHash = previousModuleHash;
    this.targetModuleHash = targetModuleHash;
    this.targetFrontendHash = targetFrontendHash;
    this.snapshotsBefore = snapshotsBefore == null ? null : List.copyOf(snapshotsBefore);
    this.snapshotId = snapshotId;
    this.keepSnapshot = keepSnapshot;
    this.rolledBack = rolledBack;
    this.callerMismatch = callerMismatch;
    this.frontendSynced = frontendSynced;
    this.pendingFrom = pendingFrom;
    this.cleanup = cleanup;
    // Bounded, so that the whole text fits a registry column (the JDBC one holds 8,000).
    this.failure = failure != null && failure.length() > MAX_FAILURE_LENGTH
        ? failure.substring(0, MAX_FAILURE_LENGTH - 1) + "\u2026" : failure;
  }

  /** A failure is kept to this many characters, ending in an ellipsis when cut. */
  public static final int MAX_FAILURE_LENGTH = 2000;

  /**
   * The progress of {@code job} before it starts.
   *
   * @param job the job
   * @return its first phase, nothing known yet
   */
  public static UpgradeProgress start(UpgradeJob job) {
    return new UpgradeProgress(job.canisterId(), job.owner(), job.scope(), Phase.PREFLIGHT, 0,
        null, null, job.wasmModule().map(m -> m.hash()).orElse(null),
        job.frontend().map(f -> f.frontendHash()).orElse(null), null, null, false, false, false,
        false, null, false, null);
  }

  /** The canister the job upgrades. */
  public Principal canisterId() {
    return canisterId;
  }

  /** The canister's owner, who stays its controller. */
  public Principal owner() {
    return owner;
  }

  /** What the job upgrades. */
  public UpgradeScope scope() {
    return scope;
  }

  /** The phase to run next (or running). */
  public Phase phase() {
    return phase;
  }

  /** How many times {@link #phase()} has been started; more than one after a crash in it. */
  public int attempts() {
    return attempts;
  }

  /** The run status the canister had before the job; empty until the preflight read it. */
  public Optional<CanisterStatus.RunStatus> originalStatus() {
    return Optional.ofNullable(originalStatus);
  }

  /** The module the canister ran before the job; empty until read or when it had none. */
  public Optional<Sha256> previousModuleHash() {
    return Optional.ofNullable(previousModuleHash);
  }

  /** The module the job installs; empty for a frontend-only job. */
  public Optional<Sha256> targetModuleHash() {
    return Optional.ofNullable(targetModuleHash);
  }

  /** The frontend the job syncs; empty for a WASM-only job. */
  public Optional<Sha256> targetFrontendHash() {
    return Optional.ofNullable(targetFrontendHash);
  }

  /** The job's own snapshot, once taken. */
  public Optional<SnapshotId> snapshotId() {
    return Optional.ofNullable(snapshotId);
  }

  /** Whether the job failed to roll back and keeps its snapshot for a person to load. */
  public boolean keepSnapshot() {
    return keepSnapshot;
  }

  /** Whether the job loaded its snapshot back after a failed health check. */
  public boolean rolledBack() {
    return rolledBack;
  }

  /** Whether the frontend sync finished. */
  public boolean frontendSynced() {
    return frontendSynced;
  }

  /**
   * Whether the job still holds the backend's rights because a part of bringing the canister
   * back failed after every retry (starting it again, deleting the job's snapshot, handing the
   * rights back): the job is not over until a later attempt ({@link #retryHandBack()}) finishes
   * it. The rights are kept on purpose while the canister still needs starting or the snapshot
   * deleting, since only a controller can do either.
   */
  public boolean handBackPending() {
    return pendingFrom != null;
  }

  /** The phase a pending job resumes at; empty when none is pending. */
  public Optional<Phase> pendingPhase() {
    return Optional.ofNullable(pendingFrom);
  }

  /** The job's first failure, for its owner; empty while nothing failed. */
  public Optional<String> failure() {
    return Optional.ofNullable(failure);
  }

  /**
   * This progress made ready to be resumed once more at its {@link #pendingPhase() pending
   * phase} (after an earlier attempt could not finish bringing the canister back).
   *
   * @return the progress at the pending phase, no longer pending; this one when none is
   */
  public UpgradeProgress retryHandBack() {
    if (pendingFrom == null) {
      return this;
    }
    // A canister left stopped resumes the job where it stood (its health check, its frontend);
    // a snapshot or rights left over are only cleaned up.
    return new UpgradeProgress(canisterId, owner, scope, pendingFrom, 0, originalStatus,
        previousModuleHash, targetModuleHash, targetFrontendHash, snapshotsBefore, snapshotId,
        keepSnapshot, rolledBack, callerMismatch, frontendSynced, null,
        cleanup || pendingFrom != Phase.START, failure);
  }

  /**
   * The stable text form: {@code key=value} lines, values without line breaks.
   *
   * @return the text a registry stores
   */
  public String toText() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("v", "1");
    m.put("canister", canisterId.toText());
    m.put("owner", owner.toText());
    m.put("scope", scope.name());
    m.put("phase", phase.name());
    m.put("attempts", Integer.toString(attempts));
    put(m, "originalStatus", originalStatus == null ? null : originalStatus.name());
    put(m, "previousModule", previousModuleHash == null ? null : previousModuleHash.hex());
    put(m, "targetModule", targetModuleHash == null ? null : targetModuleHash.hex());
    put(m, "targetFrontend", targetFrontendHash == null ? null : targetFrontendHash.hex());
    if (snapshotsBefore != null) {
      List<String> ids = new ArrayList<>();
      for (SnapshotId id : snapshotsBefore) {
        ids.add(id.toString());
      }
      m.put("snapshotsBefore", String.join(",", ids));
    }
    put(m, "snapshot", snapshotId == null ? null : snapshotId.toString());
    m.put("keepSnapshot", Boolean.toString(keepSnapshot));
    m.put("rolledBack", Boolean.toString(rolledBack));
    m.put("callerMismatch", Boolean.toString(callerMismatch));
    m.put("frontendSynced", Boolean.toString(frontendSynced));
    put(m, "pending", pendingFrom == null ? null : pendingFrom.name());
    m.put("cleanup", Boolean.toString(cleanup));
    put(m, "failure", failure == null ? null : failure.replace("\\", "\\\\").replace("\n", "\\n")
        .replace("\r", "\\r"));
    StringBuilder out = new StringBuilder();
    m.forEach((k, v) -> out.append(k).append('=').append(v).append('\n'));
    return out.toString();
  }

  private static void put(Map<String, String> m, String key, @Nullable String value) {
    if (value != null) {
      m.put(key, value);
    }
  }

  /**
   * Reads {@link #toText()}'s form back.
   *
   * @param text what a registry stored
   * @return the progress
   * @throws IcException when the text is not a progress this library wrote
   */
  public static UpgradeProgress parse(String text) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : text.split("\n", -1)) {
      if (line.isEmpty()) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq < 1) {
        throw corrupt(text, "line without key=value: " + line);
      }
      m.put(line.substring(0, eq), line.substring(eq + 1));
    }
    try {
      if (!"1".equals(m.get("v"))) {
        throw corrupt(text, "unknown version " + m.get("v"));
      }
      List<SnapshotId> before = null;
      String b = m.get("snapshotsBefore");
      if (b != null) {
        before = new ArrayList<>();
        for (String id : b.split(",")) {
          if (!id.isEmpty()) {
            before.add(snapshot(id));
          }
        }
      }
      String failure = m.get("failure");
      return new UpgradeProgress(Principal.fromText(required(m, "canister")),
          Principal.fromText(required(m, "owner")), UpgradeScope.valueOf(required(m, "scope")),
          Phase.valueOf(required(m, "phase")), Integer.parseInt(required(m, "attempts")),
          m.containsKey("originalStatus")
              ? CanisterStatus.RunStatus.valueOf(m.get("originalStatus")) : null,
          sha(m.get("previousModule")), sha(m.get("targetModule")), sha(m.get("targetFrontend")),
          before, m.containsKey("snapshot") ? snapshot(m.get("snapshot")) : null,
          Boolean.parseBoolean(m.get("keepSnapshot")), Boolean.parseBoolean(m.get("rolledBack")),
          Boolean.parseBoolean(m.get("callerMismatch")),
          Boolean.parseBoolean(m.get("frontendSynced")),
          m.containsKey("pending") ? Phase.valueOf(m.get("pending")) : null,
          Boolean.parseBoolean(m.get("cleanup")),
          failure == null ? null : unescape(failure));
    } catch (IllegalArgumentException e) {
      throw corrupt(text, e.getMessage());
    }
  }

  private static String unescape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char n = s.charAt(++i);
        out.append(n == 'n' ? '\n' : n == 'r' ? '\r' : n);
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static String required(Map<String, String> m, String key) {
    String v = m.get(key);
    if (v == null) {
      throw new IllegalArgumentException("missing " + key);
    }
    return v;
  }

  private static @Nullable Sha256 sha(@Nullable String hex) {
    return hex == null ? null : Sha256.fromHex(hex);
  }

  private static SnapshotId snapshot(String hex) {
    return SnapshotId.of(HexFormat.of().parseHex(hex));
  }

  private static IcException corrupt(String text, @Nullable String why) {
    return new IcException("the stored progress of an upgrade job cannot be read (" + why
        + "); it was not written by this library version. Stored text: "
        + (text.length() > 400 ? text.substring(0, 400) + "\u2026" : text));
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof UpgradeProgress p && toText().equals(p.toText());
  }

  @Override
  public int hashCode() {
    return toText().hashCode();
  }

  @Override
  public String toString() {
    return "UpgradeProgress[" + canisterId + " " + scope + " at " + phase
        + (failure == null ? "" : ", failed: " + failure) + "]";
  }
}
