package org.icupgrade.replica.http;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import org.icupgrade.replica.EmbeddedReplica;
import org.jspecify.annotations.Nullable;

/**
 * Runs an embedded replica standalone over HTTP, so that any IC client can use it as a local
 * replica:
 *
 * <pre>{@code
 * java -jar embedded-replica/target/icupgrade-embedded-replica-<version>-server.jar \
 *     --port 4943 --state-dir .replica
 * }</pre>
 *
 * <p>Prints the URL and the root key (hex), then serves until the process is stopped. With
 * {@code --state-dir DIR} the replica's whole state is kept in {@code DIR} ({@link
 * EmbeddedReplica#open(Path)}: a checkpoint after every change, written atomically), so that
 * starting it again on the same directory gives the same replica: the same root key, canisters,
 * memories, snapshots and chunk stores; without it the state lives in memory and is lost at exit.
 * Stopping the process (Ctrl-C, SIGTERM) closes the server and then the state directory.
 * Requests in flight over HTTP (a v2 call's status) are not state: a client polling across a
 * restart gets no answer about them.
 */
public final class ReplicaServer {
  private ReplicaServer() {}

  /**
   * The entry point.
   *
   * @param args {@code [--port N] [--state-dir DIR]}
   * @throws InterruptedException if interrupted while serving
   */
  public static void main(String[] args) throws InterruptedException {
    PrintStream out = System.out;
    PrintStream err = System.err;
    int port = 4943;
    Path stateDir = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--port" -> {
          if (i + 1 >= args.length) {
            usage(err, "--port needs a number");
            return;
          }
          try {
            port = Integer.parseInt(args[++i]);
          } catch (NumberFormatException e) {
            usage(err, "--port needs a number, got " + args[i]);
            return;
          }
        }
        case "--state-dir" -> {
          if (i + 1 >= args.length) {
            usage(err, "--state-dir needs a directory");
            return;
          }
          stateDir = Path.of(args[++i]);
        }
        default -> {
          usage(err, "unknown argument " + args[i]);
          return;
        }
      }
    }
    Running running;
    try {
      running = start(port, stateDir, out);
    } catch (UncheckedIOException e) {
      err.println(e.getMessage());
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      running.close();
      stopped.countDown();
    }, "replica-server-shutdown"));
    stopped.await();
  }

  /** A replica being served: close it to stop the server and release its state directory. */
  static final class Running implements AutoCloseable {
    private final EmbeddedReplica replica;
    private final ReplicaHttpServer server;

    Running(EmbeddedReplica replica, ReplicaHttpServer server) {
      this.replica = replica;
      this.server = server;
    }

    EmbeddedReplica replica() {
      return replica;
    }

    ReplicaHttpServer server() {
      return server;
    }

    @Override
    public void close() {
      server.close();
      replica.close();
    }
  }

  /**
   * Opens the replica (kept in {@code stateDir}, or in memory when it is null), serves it on
   * {@code port} and prints where.
   */
  static Running start(int port, @Nullable Path stateDir, PrintStream out) {
    EmbeddedReplica replica = stateDir == null ? EmbeddedReplica.start()
        : EmbeddedReplica.open(stateDir);
    ReplicaHttpServer server;
    try {
      server = replica.serveHttp(port);
    } catch (RuntimeException e) {
      replica.close();
      throw e;
    }
    out.println("Embedded replica serving the IC HTTP interface at " + server.url());
    out.println("Root key (DER, hex; BLS12-381, signs every certificate): "
        + HexFormat.of().formatHex(server.rootKey()));
    out.println(stateDir == null ? "State: in memory, lost at exit (--state-dir DIR keeps it)"
        : "State: kept in " + replica.stateDirectory().orElseThrow());
    out.flush();
    return new Running(replica, server);
  }

  private static void usage(PrintStream err, String problem) {
    err.println(problem);
    err.println("usage: ReplicaServer [--port N] [--state-dir DIR]   (port 4943 by default, 0"
        + " picks a free one; without --state-dir the state lives in memory)");
    System.exit(2);
  }
}
