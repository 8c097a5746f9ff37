package org.icupgrade.deployer.plan;

import java.util.Objects;
import java.util.Optional;
import org.icupgrade.core.Principal;
import org.icupgrade.core.UpgradeScope;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.assets.FrontendRelease;
import org.jspecify.annotations.Nullable;

/**
 * What an upgrade of a scope will do: the module it will install (when the scope includes the
 * WASM and it differs) and the frontend it will sync (when the scope includes the frontend and it
 * differs), to which release.
 */
public final class UpgradePlan {
  private final Principal canisterId;
  private final UpgradeScope scope;
  private final String releaseTag;
  private final @Nullable WasmModule wasmModule;
  private final @Nullable FrontendRelease frontend;

  /** A plan to bring {@code canisterId} to {@code releaseTag} within {@code scope}. */
  public UpgradePlan(
      Principal canisterId,
      UpgradeScope scope,
      String releaseTag,
      @Nullable WasmModule wasmModule,
      @Nullable FrontendRelease frontend) {
    this.canisterId = Objects.requireNonNull(canisterId, "canisterId");
    this.scope = Objects.requireNonNull(scope, "scope");
    this.releaseTag = Objects.requireNonNull(releaseTag, "releaseTag");
    this.wasmModule = wasmModule;
    this.frontend = frontend;
  }

  /** The canister to upgrade. */
  public Principal canisterId() {
    return canisterId;
  }

  /** What the upgrade may touch. */
  public UpgradeScope scope() {
    return scope;
  }

  /** The release the canister is brought to. */
  public String releaseTag() {
    return releaseTag;
  }

  /** The module the upgrade installs; empty when the scope excludes it or it is current. */
  public Optional<WasmModule> wasmModule() {
    return Optional.ofNullable(wasmModule);
  }

  /** The frontend the upgrade syncs; empty when the scope excludes it or it is current. */
  public Optional<FrontendRelease> frontend() {
    return Optional.ofNullable(frontend);
  }

  /** Whether the plan changes nothing. */
  public boolean isEmpty() {
    return wasmModule == null && frontend == null;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof UpgradePlan p && canisterId.equals(p.canisterId) && scope == p.scope
        && releaseTag.equals(p.releaseTag) && Objects.equals(wasmModule, p.wasmModule)
        && Objects.equals(frontend, p.frontend);
  }

  @Override
  public int hashCode() {
    return Objects.hash(canisterId, scope, releaseTag, wasmModule, frontend);
  }

  @Override
  public String toString() {
    return "upgrade " + canisterId + " (" + scope + ") to " + releaseTag + ": "
        + (wasmModule == null ? "WASM unchanged" : "install " + wasmModule.hash()) + ", "
        + (frontend == null ? "frontend unchanged" : "sync frontend " + frontend.frontendHash());
  }
}
