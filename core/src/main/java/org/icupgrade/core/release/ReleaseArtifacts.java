package org.icupgrade.core.release;

import java.util.Objects;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.assets.FrontendRelease;

/**
 * A release downloaded and verified: its tag, the WASM module exactly as it will be installed, and
 * the frontend. The hashes are the ones a canister reports for them (module hash) and the frontend
 * hash of {@link FrontendRelease}.
 */
public final class ReleaseArtifacts {
  private final String tag;
  private final WasmModule wasmModule;
  private final FrontendRelease frontend;

  public ReleaseArtifacts(String tag, WasmModule wasmModule, FrontendRelease frontend) {
    this.tag = Objects.requireNonNull(tag, "tag");
    this.wasmModule = Objects.requireNonNull(wasmModule, "wasmModule");
    this.frontend = Objects.requireNonNull(frontend, "frontend");
  }

  public String tag() {
    return tag;
  }

  public WasmModule wasmModule() {
    return wasmModule;
  }

  public FrontendRelease frontend() {
    return frontend;
  }

  public Sha256 wasmHash() {
    return wasmModule.hash();
  }

  public Sha256 frontendHash() {
    return frontend.frontendHash();
  }

  @Override
  public String toString() {
    return "ReleaseArtifacts[" + tag + ", wasm " + wasmHash() + ", frontend " + frontendHash()
        + "]";
  }
}
