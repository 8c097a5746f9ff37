package org.icupgrade.core;

import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How {@code install_code} / {@code install_chunked_code} treat the canister's existing state
 * ({@code canister_install_mode} in {@code ic.did}).
 *
 * <ul>
 *   <li>{@link #install()}: the canister must be empty;
 *   <li>{@link #reinstall()}: wipes heap and stable memory, then runs {@code canister_init};
 *   <li>{@link #upgrade()}: runs the old code's {@code canister_pre_upgrade}, keeps stable memory,
 *       replaces the heap, runs the new code's {@code canister_post_upgrade}; with the options
 *       {@code skip_pre_upgrade} and {@code wasm_memory_persistence}.
 * </ul>
 */
public final class InstallMode {
  /** The three kinds of install. */
  public enum Kind {
    INSTALL,
    REINSTALL,
    UPGRADE
  }

  /** {@code wasm_memory_persistence}: whether an upgrade keeps the main (heap) memory. */
  public enum WasmMemoryPersistence {
    /** Keep the main memory: required by, and only allowed for, enhanced orthogonal persistence. */
    KEEP,
    /** Replace the main memory (the classic upgrade). */
    REPLACE
  }

  private static final InstallMode INSTALL = new InstallMode(Kind.INSTALL, null, null);
  private static final InstallMode REINSTALL = new InstallMode(Kind.REINSTALL, null, null);
  private static final InstallMode UPGRADE = new InstallMode(Kind.UPGRADE, null, null);

  private final Kind kind;
  private final @Nullable Boolean skipPreUpgrade;
  private final @Nullable WasmMemoryPersistence wasmMemoryPersistence;

  private InstallMode(
      Kind kind, @Nullable Boolean skipPreUpgrade,
      @Nullable WasmMemoryPersistence wasmMemoryPersistence) {
    this.kind = kind;
    this.skipPreUpgrade = skipPreUpgrade;
    this.wasmMemoryPersistence = wasmMemoryPersistence;
  }

  /** Install into an empty canister. */
  public static InstallMode install() {
    return INSTALL;
  }

  /** Wipe all state and install afresh. */
  public static InstallMode reinstall() {
    return REINSTALL;
  }

  /** Upgrade, keeping stable memory, with no options set. */
  public static InstallMode upgrade() {
    return UPGRADE;
  }

  /** This upgrade, skipping (or explicitly not skipping) the old code's pre-upgrade hook. */
  public InstallMode withSkipPreUpgrade(boolean skip) {
    requireUpgrade("skip_pre_upgrade");
    return new InstallMode(kind, skip, wasmMemoryPersistence);
  }

  /** This upgrade, with the given main-memory persistence. */
  public InstallMode withWasmMemoryPersistence(WasmMemoryPersistence persistence) {
    requireUpgrade("wasm_memory_persistence");
    return new InstallMode(kind, skipPreUpgrade, Objects.requireNonNull(persistence));
  }

  private void requireUpgrade(String option) {
    if (kind != Kind.UPGRADE) {
      throw new IllegalStateException(option + " is an upgrade option; this mode is " + this);
    }
  }

  public Kind kind() {
    return kind;
  }

  /** The {@code skip_pre_upgrade} option, absent when not given. */
  public Optional<Boolean> skipPreUpgrade() {
    return Optional.ofNullable(skipPreUpgrade);
  }

  /** The {@code wasm_memory_persistence} option, absent when not given. */
  public Optional<WasmMemoryPersistence> wasmMemoryPersistence() {
    return Optional.ofNullable(wasmMemoryPersistence);
  }

  /** Whether an upgrade's options record is present (any option given). */
  public boolean hasUpgradeOptions() {
    return skipPreUpgrade != null || wasmMemoryPersistence != null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InstallMode m
        && kind == m.kind
        && Objects.equals(skipPreUpgrade, m.skipPreUpgrade)
        && wasmMemoryPersistence == m.wasmMemoryPersistence;
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, skipPreUpgrade, wasmMemoryPersistence);
  }

  @Override
  public String toString() {
    String name = kind.name().toLowerCase(java.util.Locale.ROOT);
    if (!hasUpgradeOptions()) {
      return name;
    }
    return name + "(skip_pre_upgrade=" + skipPreUpgrade
        + ", wasm_memory_persistence=" + wasmMemoryPersistence + ")";
  }
}
