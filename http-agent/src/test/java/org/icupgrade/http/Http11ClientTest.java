package org.icupgrade.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class Http11ClientTest {
  private ServerSocket listening;
  private final List<String> requests = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() throws IOException {
    if (listening != null) {
      listening.close();
    }
  }

  /**
   * A server that reads each request (head and Content-Length body) and writes {@code answer}
   * of the request's number on that connection; it closes a connection after {@code perConnection}
   * answers.
   */
  private URI serve(int perConnection, Function<Integer, byte[]> answer) throws IOException {
    listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      try {
        while (true) {
          try (Socket s = listening.accept()) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            for (int i = 0; i < perConnection; i++) {
              StringBuilder head = new StringBuilder();
              while (!head.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                  throw new IOException("eof");
                }
                head.append((char) c);
              }
              int length = 0;
              for (String line : head.toString().split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) {
                  length = Integer.parseInt(line.substring(15).trim());
                }
              }
              byte[] body = in.readNBytes(length);
              requests.add(head.toString().split("\r\n")[0] + " " + body.length);
              out.write(answer.apply(requests.size()));
              out.flush();
            }
          } catch (IOException e) {
            // the client hung up, or the test ended
          }
          if (listening.isClosed()) {
            return;
          }
        }
      } catch (RuntimeException e) {
        // closed
      }
    });
    t.setDaemon(true);
    t.start();
    return URI.create("http://127.0.0.1:" + listening.getLocalPort() + "/");
  }

  private static byte[] ok(String body) {
    return ("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
        .getBytes(StandardCharsets.US_ASCII);
  }

  private static long deadline() {
    return System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
  }

  @Test
  void exchange_keepAlive_oneConnectionForManyRequests() throws IOException {
    URI base = serve(3, n -> ok("answer " + n));
    Http11Client client = new Http11Client(base, Duration.ofSeconds(5));
    byte[] body = new byte[1 << 20];
    for (int i = 1; i <= 3; i++) {
      Http11Client.Answer a = client.exchange("POST", base.resolve("api/x"), body,
          "application/cbor", deadline());
      assertEquals(200, a.status());
      assertEquals("answer " + i, new String(a.body(), StandardCharsets.US_ASCII));
    }
    assertEquals(List.of("POST /api/x HTTP/1.1 1048576", "POST /api/x HTTP/1.1 1048576",
        "POST /api/x HTTP/1.1 1048576"), requests);
  }

  @Test
  void exchange_serverClosedTheIdleConnection_sentAgainOnANewOne() throws IOException {
    // One answer per connection, without Connection: close: the kept connection is dead.
    URI base = serve(1, n -> ok("answer " + n));
    Http11Client client = new Http11Client(base, Duration.ofSeconds(5));
    client.exchange("POST", base, new byte[10], "application/cbor", deadline());
    Http11Client.Answer second = client.exchange("POST", base, new byte[10],
        "application/cbor", deadline());
    assertEquals("answer 2", new String(second.body(), StandardCharsets.US_ASCII));
    assertEquals(2, requests.size());
  }

  @Test
  void exchange_chunkedAnswer_readWhole() throws IOException {
    URI base = serve(1, n -> ("HTTP/1.1 503 Unavailable\r\nTransfer-Encoding: chunked\r\n"
        + "Retry-After: 7\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    Http11Client.Answer a = new Http11Client(base, Duration.ofSeconds(5))
        .exchange("GET", base, null, "application/cbor", deadline());
    assertEquals(503, a.status());
    assertEquals("7", a.retryAfter());
    assertArrayEquals("hello world".getBytes(StandardCharsets.US_ASCII), a.body());
    assertEquals(List.of("GET / HTTP/1.1 0"), requests);
  }

  @Test
  void exchange_contentLengthOverTheCap_refusedWithoutReadingIt() throws IOException {
    URI base = serve(1, n -> ("HTTP/1.1 200 OK\r\nContent-Length: "
        + (Http11Client.MAX_BODY + 1L) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    IOException e = assertThrows(IOException.class, () -> new Http11Client(base,
        Duration.ofSeconds(5)).exchange("GET", base, null, "application/cbor", deadline()));
    assertTrue(e.getMessage().contains("over " + Http11Client.MAX_BODY), e.getMessage());
  }

  @Test
  void exchange_endlessHeaders_refusedAtTheHeadCap() throws IOException {
    URI base = serve(1, n -> ("HTTP/1.1 200 OK\r\n" + "X-Pad: aaaaaaaaaaaaaaaa\r\n".repeat(
        Http11Client.MAX_HEAD / 16)).getBytes(StandardCharsets.US_ASCII));
    IOException e = assertThrows(IOException.class, () -> new Http11Client(base,
        Duration.ofSeconds(5)).exchange("GET", base, null, "application/cbor", deadline()));
    assertTrue(e.getMessage().contains("head over"), e.getMessage());
  }

  @Test
  void exchange_notHttp_refused() throws IOException {
    URI base = serve(1, n -> "SSH-2.0-OpenSSH\r\n".getBytes(StandardCharsets.US_ASCII));
    IOException e = assertThrows(IOException.class, () -> new Http11Client(base,
        Duration.ofSeconds(5)).exchange("GET", base, null, "application/cbor", deadline()));
    assertTrue(e.getMessage().startsWith("not an HTTP/1.1 answer"), e.getMessage());
  }
}
