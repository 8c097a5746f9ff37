package org.icupgrade.core;

/** What an upgrade touches: the WASM module, the frontend assets, or both. */
public enum UpgradeScope {
  /** The WASM module and the frontend assets. */
  ALL,
  /** The WASM module only; the frontend is left as it is. */
  WASM_ONLY,
  /** The frontend assets only; the module is left as it is. */
  FRONTEND_ONLY;

  public boolean includesWasm() {
    return this != FRONTEND_ONLY;
  }

  public boolean includesFrontend() {
    return this != WASM_ONLY;
  }
}
