package org.icupgrade.replica.http;

import java.io.PrintStream;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import org.icupgrade.replica.EmbeddedReplica;

/**
 * Runs an embedded replica standalone over HTTP, so that any IC client can use it as a local
 * replica: {@code java -cp ... org.icupgrade.replica.http.ReplicaServer --port 4943}. Prints the
 * URL and the root key (hex), then serves until the process is stopped. {@code --state-dir} is
 * not implemented yet: the replica's state lives in memory and is lost at exit.
 */
public final class ReplicaServer {
  private ReplicaServer() {}

  /**
   * The entry point.
   *
   * @param args {@code [--port N]}; {@code --state-dir DIR} is refused as not yet implemented
   * @throws InterruptedException if interrupted while serving
   */
  public static void main(String[] args) throws InterruptedException {
    PrintStream out = System.out;
    PrintStream err = System.err;
    int port = 4943;
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
          usage(err, "--state-dir is not implemented yet: the replica keeps its state in memory;"
              + " run without it");
          return;
        }
        default -> {
          usage(err, "unknown argument " + args[i]);
          return;
        }
      }
    }
    ReplicaHttpServer server = EmbeddedReplica.start().serveHttp(port);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "replica-server-shutdown"));
    out.println("Embedded replica serving the IC HTTP interface at " + server.url());
    out.println("Root key (DER, hex; BLS12-381, signs every certificate): "
        + HexFormat.of().formatHex(server.rootKey()));
    out.flush();
    stopped.await();
  }

  private static void usage(PrintStream err, String problem) {
    err.println(problem);
    err.println("usage: ReplicaServer [--port N]   (default 4943; 0 picks a free port)");
    System.exit(2);
  }
}
