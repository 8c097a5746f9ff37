package org.icupgrade.http;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.jspecify.annotations.Nullable;

/**
 * The agent's own HTTP/1.1 client (RFC 9112) on blocking sockets, used unless the user gives a
 * JDK {@link java.net.http.HttpClient}: one exchange at a time per connection, idle connections
 * kept alive and reused, request bodies sent with {@code Content-Length} in one gathering write,
 * answers read into an array of their exact length.
 *
 * <p>Why not the JDK client: measured on loopback here (InstallOverHttpBenchmark and the probe
 * its README paragraph cites), a 1 MiB POST through {@code java.net.http.HttpClient} costs 15 to
 * 40 ms in a JVM that has made fewer than a few hundred requests (its non-blocking pipeline runs
 * interpreted: 16 KiB buffer copies, hand-offs between the selector thread and the executor),
 * against 2 to 10 ms for a blocking socket; warmed up, about 3 ms against 1.4 ms.
 *
 * <p>The caller's thread does the I/O on a {@link SocketChannel}, so an interrupt closes the
 * channel and ends the exchange at once; a watchdog closes it at the exchange's deadline, which
 * bounds the connect, the TLS handshake, the write and the read alike. {@code https} goes
 * through the JDK's default {@link SSLSocketFactory}, the host name verified (RFC 2818). No
 * proxy, as the JDK client's default. Answers larger than {@link #MAX_BODY} or with a head over
 * {@link #MAX_HEAD} bytes are refused, so a hostile server cannot make it allocate without
 * bound. Thread-safe.
 */
final class Http11Client {
  /** The largest answer body read: well above the IC's 2 MiB replies and 3 MiB query answers. */
  static final int MAX_BODY = 64 * 1024 * 1024;

  /** The largest status line and header section read. */
  static final int MAX_HEAD = 64 * 1024;

  /** How many idle connections are kept for reuse. */
  private static final int MAX_IDLE = 8;

  private static final ScheduledThreadPoolExecutor WATCHDOG = watchdog();

  private final String host;
  private final int port;
  private final boolean tls;
  private final String hostHeader;
  private final Duration connectTimeout;
  private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();

  /** The exchange's deadline passed (the watchdog closed its connection). */
  static final class DeadlinePassed extends IOException {
    private static final long serialVersionUID = 1L;

    DeadlinePassed(Throwable cause) {
      super("the deadline passed", cause);
    }
  }

  /** An answer: status, body, and the {@code Retry-After} header's value (null when absent). */
  record Answer(int status, byte[] body, @Nullable String retryAfter) {}

  Http11Client(URI base, Duration connectTimeout) {
    String scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("the replica URL must be http or https: " + base);
    }
    if (base.getHost() == null) {
      throw new IllegalArgumentException("the replica URL has no host: " + base);
    }
    this.tls = scheme.equals("https");
    this.host = base.getHost();
    this.port = base.getPort() >= 0 ? base.getPort() : tls ? 443 : 80;
    this.hostHeader = base.getPort() >= 0 ? host + ":" + port : host;
    this.connectTimeout = connectTimeout;
  }

  private static ScheduledThreadPoolExecutor watchdog() {
    ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "icupgrade-http-deadlines");
      t.setDaemon(true);
      return t;
    });
    e.setRemoveOnCancelPolicy(true);
    return e;
  }

  /**
   * One exchange: {@code method} of {@code uri}'s path with {@code body} (null: none) of type
   * {@code contentType}, answered before {@code deadlineNanos} ({@link System#nanoTime}).
   *
   * @throws DeadlinePassed if the deadline passed first
   * @throws IOException if the exchange failed (the thread's interrupt flag is then set if an
   *     interrupt ended it)
   */
  Answer exchange(String method, URI uri, byte @Nullable [] body, String contentType,
      long deadlineNanos) throws IOException {
    byte[] head = head(method, uri, body, contentType);
    Connection c = idle.pollFirst();
    boolean reused = c != null;
    for (int attempt = 1; ; attempt++) {
      if (c == null) {
        c = open(deadlineNanos);
      }
      ScheduledFuture<?> dog = WATCHDOG.schedule(c::expire,
          Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
      try {
        c.write(head, body);
        Answer a = c.read(method);
        dog.cancel(false);
        if (c.keepAlive && !c.expired && idle.size() < MAX_IDLE) {
          idle.offerFirst(c);
        } else {
          c.close();
        }
        return a;
      } catch (IOException e) {
        dog.cancel(false);
        c.close();
        if (c.expired) {
          throw new DeadlinePassed(e);
        }
        // RFC 9112, 9.3.1: a server may close an idle connection at any time; a request sent
        // on one it closed got no byte of answer and is sent again on a new connection (safe
        // here: a signed IC request is identified by its id and runs at most once).
        if (!reused || c.answered || attempt > 1 || Thread.currentThread().isInterrupted()) {
          throw e;
        }
        c = null;
        reused = false;
      }
    }
  }

  /** Closes the idle connections. */
  void closeIdle() {
    for (Connection c; (c = idle.pollFirst()) != null; ) {
      c.close();
    }
  }

  private byte[] head(String method, URI uri, byte @Nullable [] body, String contentType) {
    String target = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (uri.getRawQuery() != null) {
      target += "?" + uri.getRawQuery();
    }
    StringBuilder b = new StringBuilder(160).append(method).append(' ').append(target)
        .append(" HTTP/1.1\r\nHost: ").append(hostHeader)
        .append("\r\nUser-Agent: icupgrade-http-agent\r\n");
    if (body != null) {
      b.append("Content-Type: ").append(contentType).append("\r\nContent-Length: ")
          .append(body.length).append("\r\n");
    }
    return b.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
  }

  private Connection open(long deadlineNanos) throws IOException {
    // Throws UnknownHostException for a name that does not resolve.
    InetAddress address = InetAddress.getByName(host);
    SocketChannel channel = SocketChannel.open();
    Connection c = new Connection(channel);
    ScheduledFuture<?> dog = WATCHDOG.schedule(c::expire,
        Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    try {
      Socket socket = channel.socket();
      long millis = Math.min(connectTimeout.toMillis(),
          Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
      socket.connect(new InetSocketAddress(address, port), (int) Math.min(millis,
          Integer.MAX_VALUE));
      // Head and body go out together; the answer is awaited, so Nagle would only delay it.
      socket.setTcpNoDelay(true);
      if (tls) {
        SSLSocket ssl = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault())
            .createSocket(socket, host, port, true);
        SSLParameters p = ssl.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        ssl.setSSLParameters(p);
        ssl.startHandshake();
        c.tls(ssl);
      } else {
        c.plain(socket);
      }
      return c;
    } catch (IOException e) {
      c.close();
      throw c.expired ? new DeadlinePassed(e) : e;
    } finally {
      dog.cancel(false);
    }
  }

  /** One connection, used by one exchange at a time. */
  private static final class Connection {
    private final SocketChannel channel;
    private @Nullable SSLSocket ssl;
    private @Nullable InputStream in;
    private @Nullable OutputStream out;
    volatile boolean expired;
    boolean answered;
    boolean keepAlive;

    Connection(SocketChannel channel) {
      this.channel = channel;
    }

    void plain(Socket socket) throws IOException {
      in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
    }

    void tls(SSLSocket s) throws IOException {
      ssl = s;
      in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
      out = s.getOutputStream();
    }

    void expire() {
      expired = true;
      close();
    }

    void close() {
      try {
        if (ssl != null) {
          ssl.close();
        }
        channel.close();
      } catch (IOException e) {
        // closing: nothing left to do
      }
    }

    void write(byte[] head, byte @Nullable [] body) throws IOException {
      answered = false;
      if (out != null) {
        out.write(head);
        if (body != null) {
          out.write(body);
        }
        out.flush();
        return;
      }
      ByteBuffer[] bufs = body == null ? new ByteBuffer[] {ByteBuffer.wrap(head)}
          : new ByteBuffer[] {ByteBuffer.wrap(head), ByteBuffer.wrap(body)};
      ByteBuffer last = bufs[bufs.length - 1];
      while (last.hasRemaining()) {
        channel.write(bufs);
      }
    }

    Answer read(String method) throws IOException {
      InputStream is = in;
      int[] budget = {MAX_HEAD};
      while (true) {
        String statusLine = line(is, budget, true);
        answered = true;
        // RFC 9112, 4: HTTP-version SP status-code SP [reason-phrase]
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12
            || statusLine.charAt(8) != ' ') {
          throw new IOException("not an HTTP/1.1 answer: "
              + statusLine.substring(0, Math.min(60, statusLine.length())));
        }
        int status;
        try {
          status = Integer.parseInt(statusLine.substring(9, 12));
        } catch (NumberFormatException e) {
          throw new IOException("an HTTP status that is not a number: " + statusLine);
        }
        long length = -1;
        boolean chunked = false;
        boolean close = !statusLine.startsWith("HTTP/1.1");
        String retryAfter = null;
        for (String h; !(h = line(is, budget, false)).isEmpty(); ) {
          int colon = h.indexOf(':');
          if (colon <= 0) {
            throw new IOException("a malformed header line in the answer");
          }
          String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
          String value = h.substring(colon + 1).trim();
          switch (name) {
            case "content-length" -> length = contentLength(value, length);
            case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).endsWith("chunked");
            case "connection" -> close |= value.toLowerCase(Locale.ROOT).contains("close");
            case "retry-after" -> retryAfter = value;
            default -> { }
          }
        }
        if (status >= 100 && status < 200) {
          continue; // RFC 9110, 15.2: an interim answer; the final one follows
        }
        byte[] body;
        if (method.equals("HEAD") || status == 204 || status == 304) {
          body = new byte[0];
        } else if (chunked) {
          body = chunkedBody(is);
        } else if (length >= 0) {
          body = new byte[(int) length];
          if (is.readNBytes(body, 0, body.length) < body.length) {
            throw new EOFException("the answer ended before its Content-Length");
          }
        } else {
          // RFC 9112, 6.3: no length: the body runs to the end of the connection.
          close = true;
          body = is.readNBytes(MAX_BODY + 1);
          if (body.length > MAX_BODY) {
            throw new IOException("an answer over " + MAX_BODY + " bytes");
          }
        }
        keepAlive = !close;
        return new Answer(status, body, retryAfter);
      }
    }

    private static long contentLength(String value, long before) throws IOException {
      if (value.isEmpty() || value.length() > 10 || !value.chars().allMatch(Character::isDigit)) {
        throw new IOException("an answer with Content-Length " + value);
      }
      long n = Long.parseLong(value);
      if (n > MAX_BODY) {
        throw new IOException("an answer of " + n + " bytes, over " + MAX_BODY);
      }
      if (before >= 0 && before != n) {
        throw new IOException("an answer with two Content-Lengths");
      }
      return n;
    }

    /** RFC 9112, 7.1: chunk-size [ext] CRLF data CRLF ... 0 CRLF trailers CRLF. */
    private static byte[] chunkedBody(InputStream is) throws IOException {
      java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
      int[] budget = {MAX_HEAD};
      while (true) {
        String size = line(is, budget, false);
        int semi = size.indexOf(';');
        String hex = (semi >= 0 ? size.substring(0, semi) : size).trim();
        int n;
        try {
          n = hex.length() > 8 ? -1 : Integer.parseInt(hex, 16);
        } catch (NumberFormatException e) {
          n = -1;
        }
        if (n < 0 || b.size() + (long) n > MAX_BODY) {
          throw new IOException("a chunked answer with chunk size " + hex + " (at most "
              + MAX_BODY + " bytes in all)");
        }
        if (n == 0) {
          while (!line(is, budget, false).isEmpty()) {
            // trailers: ignored
          }
          return b.toByteArray();
        }
        byte[] chunk = is.readNBytes(n);
        if (chunk.length < n) {
          throw new EOFException("the answer ended inside a chunk");
        }
        b.write(chunk);
        line(is, budget, false);
      }
    }

    /** A line without its CRLF, counted against {@code budget[0]} bytes. */
    private static String line(InputStream is, int[] budget, boolean first) throws IOException {
      StringBuilder s = new StringBuilder(64);
      while (true) {
        int c = is.read();
        if (c < 0) {
          throw new EOFException(first && s.length() == 0
              ? "the server closed the connection without an answer"
              : "the answer ended inside its head");
        }
        if (--budget[0] < 0) {
          throw new IOException("an answer head over " + MAX_HEAD + " bytes");
        }
        if (c == '\n') {
          int n = s.length();
          return n > 0 && s.charAt(n - 1) == '\r' ? s.substring(0, n - 1) : s.toString();
        }
        s.append((char) c);
      }
    }
  }
}
