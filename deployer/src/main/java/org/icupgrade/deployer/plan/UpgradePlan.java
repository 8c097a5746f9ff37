package org.icupgrade.deployer.plan;

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
public record UpgradePlan(
    Principal canisterId,
    UpgradeScope scope,
    String releaseTag,
    @Nullable WasmModule wasmModule,
    @Nullable FrontendRelease frontend) {

  /**
   * The module the upgrade installs.
   *
   * @return the module, or empty when the upgrade leaves the module as it is
   */
  public Optional<WasmModule> installs() {
    return Optional.ofNullable(wasmModule);
  }

  /**
   * The frontend the upgrade syncs.
   *
   * @return the frontend, or empty when the upgrade leaves the frontend as it is
   */
  public Optional<FrontendRelease> syncs() {
    return Optional.ofNullable(frontend);
  }

  @Override
  public String toString() {
    return "upgrade " + canisterId + " (" + scope + ") to " + releaseTag + ": "
        + (wasmModule == null ? "WASM unchanged" : "install " + wasmModule.hash()) + ", "
        + (frontend == null ? "frontend unchanged" : "sync frontend " + frontend.frontendHash());
  }
}
