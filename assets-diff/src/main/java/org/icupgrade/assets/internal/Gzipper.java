package org.icupgrade.assets.internal;

import java.io.ByteArrayOutputStream;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.icupgrade.core.assets.ReleaseEncoding;

/**
 * gzip encodings, with one {@link Deflater} per thread reused from file to file (a new
 * {@code GZIPOutputStream} per file allocates a Deflater and its native state each time), and the
 * reference tool's rule for which content types get one.
 *
 * <p>The bytes are those {@code GZIPOutputStream} writes (its fixed ten-byte header: no name, mtime
 * 0, taken from this JDK's GZIPOutputStream; raw deflate at the default level; CRC-32 and length), so a canister synced by an earlier
 * version finds its gzip encodings unchanged.
 */
public final class Gzipper {
  /** The header this JDK's GZIPOutputStream writes (the OS byte differs between JDK versions). */
  private static final byte[] HEADER = jdkHeader();
  private static final ThreadLocal<Deflater> DEFLATER =
      ThreadLocal.withInitial(() -> new Deflater(Deflater.DEFAULT_COMPRESSION, true));
  private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[64 * 1024]);
  private static final LongAdder COMPRESSIONS = new LongAdder();

  private Gzipper() {}

  /**
   * Whether the reference tool stores a gzip encoding for this type by default: {@code text/*},
   * and any {@code javascript} or {@code html} subtype (ic-asset batch_upload/plumbing.rs,
   * default_encoders). JSON, XML, SVG and EOT are stored as identity only.
   *
   * @param contentType a content type, parameters allowed
   * @return true when a gzip encoding is made (and kept if smaller)
   */
  public static boolean gzipByDefault(String contentType) {
    // Called once per file of every release: no allocation, case-insensitive as media types are.
    int end = contentType.indexOf(';');
    if (end < 0) {
      end = contentType.length();
    }
    while (end > 0 && contentType.charAt(end - 1) == ' ') {
      end--;
    }
    int slash = contentType.indexOf('/');
    if (slash < 0 || slash >= end) {
      return false;
    }
    return contentType.regionMatches(true, 0, "text", 0, 4) && slash == 4
        || end - slash - 1 == 10 && contentType.regionMatches(true, slash + 1, "javascript", 0, 10)
        || end - slash - 1 == 4 && contentType.regionMatches(true, slash + 1, "html", 0, 4);
  }

  /** The gzip encoding of {@code identity}'s content. */
  public static byte[] gzip(ReleaseEncoding identity) {
    return gzip(identity.content());
  }

  /** The gzip encoding of {@code content}, as {@code GZIPOutputStream} writes it. */
  public static byte[] gzip(byte[] content) {
    COMPRESSIONS.increment();
    Deflater d = DEFLATER.get();
    byte[] buf = BUFFER.get();
    ByteArrayOutputStream out = new ByteArrayOutputStream(content.length / 3 + 64);
    out.writeBytes(HEADER);
    try {
      d.setInput(content);
      d.finish();
      while (!d.finished()) {
        int n = d.deflate(buf);
        out.write(buf, 0, n);
      }
    } finally {
      d.reset();
    }
    CRC32 crc = new CRC32();
    crc.update(content);
    writeIntLe(out, (int) crc.getValue());
    writeIntLe(out, content.length);
    return out.toByteArray();
  }

  private static byte[] jdkHeader() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
      gz.flush();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return java.util.Arrays.copyOf(out.toByteArray(), 10);
  }

  private static void writeIntLe(ByteArrayOutputStream out, int v) {
    out.write(v);
    out.write(v >>> 8);
    out.write(v >>> 16);
    out.write(v >>> 24);
  }

  /** How many contents have been compressed in this JVM: for tests that none was. */
  public static long compressions() {
    return COMPRESSIONS.sum();
  }
}
