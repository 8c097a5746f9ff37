package org.icupgrade.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.icupgrade.http.HttpAgent;
import org.icupgrade.http.Identity;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.agent.Agent;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.install.InstallEvent;
import org.icupgrade.core.install.InstallOutcome;
import org.icupgrade.core.install.InstallRequest;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.demo.DemoCanisters;
import org.icupgrade.replica.http.ReplicaHttpServer;

/**
 * The upgrade demo from Java: a target canister runs v1, is upgraded to v2 (larger than 2 MiB, so
 * only a chunked install carries it) by this program acting as its controller, and answers
 * differently afterwards, its counter kept across the upgrade.
 *
 * <pre>
 * mvn -q -pl examples -am package -DskipTests -Pdemo                   # on the embedded replica
 * ... UpgradeDemo --replica http://127.0.0.1:4943 --identity id.pem     # on a local replica
 * ... UpgradeDemo --http       # the embedded replica served on 127.0.0.1, HttpAgent against it
 * ... UpgradeDemo --write-modules DIR                                   # target_v1.wasm, target_v2.wasm
 * </pre>
 */
public final class UpgradeDemo {
  static final byte[] NO_ARGS = {'D', 'I', 'D', 'L', 0, 0};

  private UpgradeDemo() {}

  public static void main(String[] args) throws IOException {
    Agent agent = null;
    URI replica = null;
    Path identity = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--http" -> {
          runOverHttp(System.out);
          return;
        }
        case "--replica" -> replica = URI.create(args[++i]);
        case "--identity" -> identity = Path.of(args[++i]);
        case "--write-modules" -> {
          Path dir = Files.createDirectories(Path.of(args[++i]));
          Files.write(dir.resolve("target_v1.wasm"), DemoCanisters.targetV1());
          Files.write(dir.resolve("target_v2.wasm"), DemoCanisters.targetV2());
          System.out.println("wrote " + dir.resolve("target_v1.wasm") + " and "
              + dir.resolve("target_v2.wasm"));
          return;
        }
        default -> {
          System.err.println("usage: UpgradeDemo [--replica URL --identity PEM] | [--http]"
              + " | [--write-modules DIR]");
          System.exit(2);
        }
      }
    }
    if (replica != null) {
      HttpAgent.Builder b = HttpAgent.builder(replica).fetchRootKey(true);
      if (identity != null) {
        b.identity(identity);
      }
      agent = b.build();
    }
    run(agent, System.out);
  }

  /**
   * Runs the demo over the IC's HTTP interface: a fresh embedded replica served on 127.0.0.1 (a
   * free port), and an {@link HttpAgent} against it signing as a new Ed25519 identity (written
   * to a temporary PEM file, deleted afterwards) that verifies every certificate against the
   * replica's root key; returns the target canister.
   *
   * @param out where the demo prints
   * @return the target canister
   * @throws IOException if the temporary identity file cannot be written
   */
  public static Principal runOverHttp(PrintStream out) throws IOException {
    EmbeddedReplica replica = EmbeddedReplica.start();
    Path pem = Files.createTempFile("icupgrade-demo-identity", ".pem");
    try (ReplicaHttpServer server = replica.serveHttp(0)) {
      Identity.generateEd25519().writePem(pem);
      out.println("Embedded replica served at " + server.url());
      Agent agent = HttpAgent.builder(server.url()).rootKey(server.rootKey())
          .identity(pem).build();
      return run(agent, out);
    } finally {
      Files.deleteIfExists(pem);
    }
  }

  /**
   * Runs the demo over {@code agent}, or on a fresh embedded replica when it is null; returns the
   * target canister.
   */
  public static Principal run(Agent agent, PrintStream out) {
    Agent a = agent;
    String where;
    if (a == null) {
      EmbeddedReplica replica = EmbeddedReplica.start();
      a = replica.agentFor(Principal.fromBytes(new byte[] {0x2a, 0x01, 0x02}));
      where = "the embedded replica";
    } else {
      where = "the replica at hand, over HTTP";
    }
    ManagementCanister ic = CandidManagementCanister.over(a);
    Principal controller = a.sender();
    Principal target = ic.provisionalCreateCanisterWithCycles(BigInteger.valueOf(2_000_000_000_000L),
        CanisterSettings.ofControllers(java.util.List.of(controller)), null);
    out.println("Controller " + controller + " on " + where);
    out.println("Created target canister " + target);
    ChunkedWasmInstaller installer = ChunkedWasmInstaller.builder(ic)
        .listener(event -> {
          if (event instanceof InstallEvent.Started s) {
            out.println(s.chunked()
                ? "  " + s.request().installMode() + " through the chunk store: "
                    + s.chunkCount() + " chunks, wasm_module_hash "
                    + s.request().wasmModule().hash().hex().substring(0, 16) + "…"
                : "  " + s.request().installMode() + " in one install_code message");
          } else if (event instanceof InstallEvent.ChunkUploaded u) {
            out.printf(Locale.ROOT, "  upload_chunk %d/%d: %,9d bytes, hash %s…%n", u.uploaded(),
                u.toUpload(), u.size(), u.hash().hex().substring(0, 16));
          }
        }).build();

    WasmModule v1 = WasmModule.of(DemoCanisters.targetV1());
    WasmModule v2 = WasmModule.of(DemoCanisters.targetV2());
    out.println();
    out.printf(Locale.ROOT, "Installing v1 (%,d bytes)%n", v1.size());
    installer.install(target, v1, InstallMode.install());
    for (int i = 0; i < 3; i++) {
      a.update(target, "increment", NO_ARGS);
    }
    String[] before = answers(a, target);

    out.println();
    out.printf(Locale.ROOT, "Upgrading to v2 (%,d bytes: too large for one 2 MiB message)%n",
        v2.size());
    InstallOutcome outcome = installer.install(target, v2, InstallMode.upgrade());
    if (outcome instanceof InstallOutcome.Installed i) {
      out.printf(Locale.ROOT, "  install_chunked_code done: %d calls, %,d bytes uploaded,"
          + " module hash read back and verified%n", i.callsMade(), i.bytesUploaded());
    }
    String[] after = answers(a, target);

    out.println();
    out.printf(Locale.ROOT, "%-20s %-32s %-32s%n", "call", "before upgrade", "after upgrade");
    String[] calls = {"get_version()", "get_lib_version()", "greet(\"World\")", "get_count()",
        "module hash"};
    for (int i = 0; i < calls.length; i++) {
      out.printf(Locale.ROOT, "%-20s %-32s %-32s%n", calls[i], before[i], after[i]);
    }
    return target;
  }

  private static String[] answers(Agent a, Principal target) {
    return new String[] {
      quote(text(a.query(target, "get_version", NO_ARGS))),
      quote(text(a.query(target, "get_lib_version", NO_ARGS))),
      quote(text(a.query(target, "greet", DemoCanisters.candidText("World")))),
      Long.toString(nat64(a.query(target, "get_count", NO_ARGS))),
      a.moduleHash(target).map(h -> h.hex().substring(0, 16) + "…").orElse("none")
    };
  }

  private static String quote(String s) {
    return "\"" + s + "\"";
  }

  /** Reads a Candid reply holding one short text. */
  static String text(byte[] candid) {
    if (candid.length < 8 || !Arrays.equals(Arrays.copyOf(candid, 7),
        new byte[] {'D', 'I', 'D', 'L', 0, 1, 0x71})) {
      throw new IllegalStateException("not a Candid text reply");
    }
    return new String(candid, 8, candid[7], StandardCharsets.UTF_8);
  }

  /** Reads a Candid reply holding one nat64. */
  static long nat64(byte[] candid) {
    return ByteBuffer.wrap(candid, 7, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }
}
