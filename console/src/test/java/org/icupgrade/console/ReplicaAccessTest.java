package org.icupgrade.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.SyntheticWasm;
import org.junit.jupiter.api.Test;

class ReplicaAccessTest {
  @Test
  void assetModule_versionsDifferByACustomSection_gzippedInputRead_replicaAcceptsThem()
      throws IOException {
    byte[] wasm = SyntheticWasm.ofSize(4096, 7);
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(wasm);
    }
    ReplicaAccess.StorageCanisters s = ReplicaAccess.assetModule(gz.toByteArray());
    byte[] v1 = s.module(1);
    byte[] v2 = s.module(2);
    assertNotEquals(Sha256.of(v1), Sha256.of(v2));
    assertEquals(Sha256.of(wasm), Sha256.of(java.util.Arrays.copyOf(v1, wasm.length)),
        "the module itself is unchanged, the section comes after it");

    // The replica parses every section at install: each version is a valid module.
    EmbeddedReplica replica = EmbeddedReplica.start();
    Principal owner = Principal.fromBytes(new byte[] {4, 4, 4});
    Principal id = replica.createCanister(owner);
    ChunkedWasmInstaller installer = ChunkedWasmInstaller.builder(
        CandidManagementCanister.over(replica.agentFor(owner))).build();
    installer.install(id, WasmModule.of(v1), InstallMode.install());
    assertEquals(Optional.of(Sha256.of(v1)), replica.moduleHash(id));
    installer.install(id, WasmModule.of(v2), InstallMode.upgrade());
    assertEquals(Optional.of(Sha256.of(v2)), replica.moduleHash(id));
  }
}
