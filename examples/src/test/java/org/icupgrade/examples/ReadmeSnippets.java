package org.icupgrade.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the README's Java snippets into one compilable program, so that they cannot drift from
 * the API: each snippet becomes a method of {@code ReadmeProgram} whose free variables (an agent,
 * a canister id, an executor, ...) are fields, and {@code main} runs, on a fresh embedded
 * replica, every snippet that needs neither the network nor a database.
 *
 * <p>Used by {@code ReadmeSnippetsTest} in the build and by {@code .ci/run}'s consumer project,
 * which runs this file with the JDK's source launcher:
 * {@code java ReadmeSnippets.java README.md OUT_DIR}. It therefore needs only the JDK.
 */
public final class ReadmeSnippets {
  /** The variables snippets may use without declaring them, with their types. */
  static final String GIVENS = String.join("\n",
      "  Agent agent;",
      "  Principal canisterId;",
      "  Principal owner;",
      "  Path path;",
      "  Executor executor;",
      "  ScheduledExecutorService scheduler;",
      "  javax.sql.DataSource dataSource;",
      "  CanisterUpgrader upgrader;",
      "  ManagementCanister managementCanister;",
      "  Principal backend;",
      "  ChunkedWasmInstaller installer;",
      "  AssetSyncer syncer;",
      "  FrontendRelease release;",
      "  StorageDeployer deployer;",
      "  DeploymentRegistry registry;",
      "  ReleaseCatalog catalog;",
      "  ManagementCanister mc;",
      "  Principal storeCanisterId;",
      "  FleetListener myProgressBar;");

  /** Every public package of the library, and the JDK's that snippets use. */
  static final List<String> IMPORTS = List.of(
      "java.net.*", "java.nio.file.*", "java.time.*", "java.util.*", "java.util.concurrent.*",
      "org.icupgrade.core.*", "org.icupgrade.core.agent.*", "org.icupgrade.core.assets.*",
      "org.icupgrade.core.calls.*", "org.icupgrade.core.install.*",
      "org.icupgrade.core.management.*", "org.icupgrade.core.upgrade.*",
      "org.icupgrade.candid.management.*", "org.icupgrade.candid.assets.*",
      "org.icupgrade.http.*", "org.icupgrade.assets.*", "org.icupgrade.deployer.plan.*",
      "org.icupgrade.deployer.registry.*", "org.icupgrade.deployer.release.*",
      "org.icupgrade.deployer.fleet.*", "org.postgresql.ds.*",
      "org.icupgrade.replica.*", "org.icupgrade.replica.assets.*", "org.icupgrade.replica.demo.*");

  private ReadmeSnippets() {}

  /** The bodies of the README's {@code ```java} blocks, in order. */
  static List<String> extract(String readme) {
    List<String> snippets = new ArrayList<>();
    StringBuilder current = null;
    for (String line : readme.split("\n", -1)) {
      if (current == null) {
        if (line.strip().equals("```java")) {
          current = new StringBuilder();
        }
      } else if (line.strip().equals("```")) {
        snippets.add(current.toString());
        current = null;
      } else {
        current.append(line).append('\n');
      }
    }
    if (current != null) {
      throw new IllegalArgumentException("a ```java block is not closed");
    }
    return snippets;
  }

  /**
   * Whether the program's main may run the snippet here: no network, no database, no files, no
   * asset canister (the whole upgrade needs one), no fleet (it needs a deployer with records;
   * {@code FleetUpgradeTest} runs those).
   */
  static boolean runnable(String snippet) {
    return !snippet.contains("HttpAgent") && !snippet.contains("gitHub(")
        && !snippet.contains("dataSource") && !snippet.contains("ReleaseReader")
        && !snippet.contains("UpgradeJob") && !snippet.contains("FleetUpgrader")
        && !snippet.contains("SharedChunkStore");
  }

  /** The program's source, in package {@code pkg} (empty for none). */
  static String program(List<String> snippets, String pkg) {
    StringBuilder sb = new StringBuilder();
    if (!pkg.isEmpty()) {
      sb.append("package ").append(pkg).append(";\n\n");
    }
    for (String i : IMPORTS) {
      sb.append("import ").append(i).append(";\n");
    }
    sb.append("\n/** Generated from the README by ReadmeSnippets; do not edit. */\n");
    sb.append("public final class ReadmeProgram {\n").append(GIVENS).append("\n\n");
    for (int i = 0; i < snippets.size(); i++) {
      // No "throws Exception": a snippet that needs a checked exception handled fails to compile.
      // Reading a module from a file is I/O, so IOException may pass.
      sb.append("  void snippet").append(i + 1).append("() throws java.io.IOException {\n");
      for (String line : snippets.get(i).split("\n")) {
        sb.append("    ").append(line).append('\n');
      }
      sb.append("  }\n\n");
    }
    sb.append("""
          /** Runs the runnable snippets on a fresh embedded replica; prints one line each. */
          public static void main(String[] args) throws Exception {
            ReadmeProgram p = new ReadmeProgram();
            EmbeddedReplica replica = EmbeddedReplica.start();
            p.owner = Principal.fromText("hwheu-sjkae-ba");
            p.agent = replica.agentFor(p.owner);
            p.managementCanister = CandidManagementCanister.over(p.agent);
            p.canisterId = replica.createCanister(p.owner);
            // The snippets upgrade: the canister runs v1, and path holds v2 (2.3 MiB, chunked).
            ChunkedWasmInstaller.builder(p.managementCanister).build().install(
                p.canisterId, WasmModule.of(DemoCanisters.targetV1()), InstallMode.install());
            p.path = Files.createTempFile("readme", ".wasm");
            Files.write(p.path, DemoCanisters.targetV2());
            ExecutorService pool = Executors.newFixedThreadPool(4);
            p.executor = pool;
            try {
        """);
    for (int i = 0; i < snippets.size(); i++) {
      if (runnable(snippets.get(i))) {
        sb.append("      p.snippet").append(i + 1).append("();\n");
        sb.append("      System.out.println(\"README snippet ").append(i + 1)
            .append(" ran\");\n");
      }
    }
    sb.append("""
            } finally {
              pool.shutdownNow();
              Files.deleteIfExists(p.path);
            }
            if (!replica.moduleHash(p.canisterId).equals(
                Optional.of(Sha256.of(DemoCanisters.targetV2())))) {
              throw new AssertionError("the README's install snippet did not install v2");
            }
          }
        }
        """);
    return sb.toString();
  }

  /** {@code java ReadmeSnippets.java README.md OUT_DIR}: writes OUT_DIR/ReadmeProgram.java. */
  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: java ReadmeSnippets.java README.md OUT_DIR");
      System.exit(2);
    }
    String readme = Files.readString(Path.of(args[0]), StandardCharsets.UTF_8);
    Path out = Path.of(args[1]);
    Files.createDirectories(out);
    Files.writeString(out.resolve("ReadmeProgram.java"), program(extract(readme), ""),
        StandardCharsets.UTF_8);
  }
}
