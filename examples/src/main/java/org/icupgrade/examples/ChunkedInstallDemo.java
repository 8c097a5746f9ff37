package org.icupgrade.examples;

import java.io.PrintStream;
import java.util.Locale;
import org.icupgrade.candid.management.CandidManagementCanister;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.install.ChunkedWasmInstaller;
import org.icupgrade.core.install.InstallEvent;
import org.icupgrade.core.install.InstallListener;
import org.icupgrade.core.install.InstallOutcome;
import org.icupgrade.core.install.InstallRequest;
import org.icupgrade.core.management.ManagementCanister;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.SyntheticWasm;

/**
 * Installs a multi-MiB module through chunked upload on the embedded replica, upgrades it, and
 * shows that a repeated upgrade is recognised as already current, printing every step.
 *
 * <pre>mvn -q -pl examples -am package -DskipTests -Pdemo</pre>
 */
public final class ChunkedInstallDemo {
  private ChunkedInstallDemo() {}

  public static void main(String[] args) {
    run(System.out);
  }

  /** Runs the demo, writing what happens to {@code out}; returns the final module hash. */
  public static Sha256 run(PrintStream out) {
    EmbeddedReplica replica = EmbeddedReplica.start();
    Principal controller = Principal.fromBytes(new byte[] {0x2a, 0x01, 0x02});
    Principal canister = replica.createCanister(controller);
    ManagementCanister ic = CandidManagementCanister.over(replica.agentFor(controller));
    ChunkedWasmInstaller installer =
        ChunkedWasmInstaller.builder(ic).listener(new Printer(out)).build();

    out.println("Embedded replica started; controller " + controller);
    out.println("Created canister " + canister);

    WasmModule v1 = WasmModule.of(SyntheticWasm.ofSize(5 * 1024 * 1024 + 123, 1));
    out.println();
    out.println("1. install v1: " + describe(v1));
    report(out, installer.install(canister, v1, InstallMode.install()));

    WasmModule v2 = WasmModule.of(SyntheticWasm.ofSize(3 * 1024 * 1024 + 7, 2));
    out.println();
    out.println("2. upgrade to v2: " + describe(v2));
    report(out, installer.install(InstallRequest.builder(canister, v2)
        .installMode(InstallMode.upgrade()).build()));

    out.println();
    out.println("3. upgrade to v2 again");
    report(out, installer.install(canister, v2, InstallMode.upgrade()));

    Sha256 now = replica.moduleHash(canister).orElseThrow();
    out.println();
    out.printf(Locale.ROOT, "%-26s %s%n", "module hash, v1", v1.hash());
    out.printf(Locale.ROOT, "%-26s %s%n", "module hash, v2", v2.hash());
    out.printf(Locale.ROOT, "%-26s %s%n", "canister runs (read_state)", now);
    out.printf(Locale.ROOT, "%-26s %d%n", "calls to the replica", replica.calls().size());
    return now;
  }

  private static String describe(WasmModule m) {
    return String.format(Locale.ROOT, "%,d bytes, %d chunks of 1 MiB, sha256 %s", m.size(),
        m.chunks().size(), m.hash().hex().substring(0, 16) + "…");
  }

  private static void report(PrintStream out, InstallOutcome outcome) {
    if (outcome instanceof InstallOutcome.Installed i) {
      out.printf(Locale.ROOT, "   installed %s: %s, %d chunks uploaded, %d skipped, %,d bytes,"
              + " %d calls, module hash %s verified%n",
          i.chunked() ? "chunked" : "in one message", i.canisterId(), i.chunksUploaded(),
          i.chunksSkipped(), i.bytesUploaded(), i.callsMade(),
          i.moduleHash().hex().substring(0, 16) + "…");
    } else if (outcome instanceof InstallOutcome.AlreadyCurrent c) {
      out.printf(Locale.ROOT, "   already current: %s runs %s; nothing uploaded (%d call)%n",
          c.canisterId(), c.moduleHash().hex().substring(0, 16) + "…", c.callsMade());
    }
  }

  /** Prints each chunk as it goes. */
  private static final class Printer implements InstallListener {
    private final PrintStream out;

    Printer(PrintStream out) {
      this.out = out;
    }

    @Override
    public void onEvent(InstallEvent event) {
      if (event instanceof InstallEvent.Started s) {
        out.println(s.chunked()
            ? "   " + s.request().installMode() + " through the chunk store, " + s.chunkCount()
                + " chunks"
            : "   " + s.request().installMode() + " in a single install_code message");
      } else if (event instanceof InstallEvent.ChunkSkipped c) {
        out.printf(Locale.ROOT, "   chunk %2d already stored   %s%n", c.index(),
            c.hash().hex().substring(0, 16));
      } else if (event instanceof InstallEvent.ChunkUploaded u) {
        out.printf(Locale.ROOT, "   chunk %2d uploaded %,9d bytes  %s  (%d/%d)%n", u.index(),
            u.size(), u.hash().hex().substring(0, 16), u.uploaded(), u.toUpload());
      }
    }
  }
}
