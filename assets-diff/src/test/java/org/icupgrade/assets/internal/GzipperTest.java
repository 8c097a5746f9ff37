package org.icupgrade.assets.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class GzipperTest {
  static byte[] viaStream(byte[] content) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out, 64 * 1024)) {
      gz.write(content);
    }
    return out.toByteArray();
  }

  @Test
  void gzip_sameBytesAsGzipOutputStream_soEarlierSyncsStayUnchanged() throws IOException {
    Random r = new Random(3);
    for (int n : new int[] {0, 1, 100, 65_535, 65_536, 300_000}) {
      byte[] text = new byte[n];
      for (int i = 0; i < n; i++) {
        text[i] = (byte) ("abcdefgh <div>\n".charAt(r.nextInt(15)));
      }
      byte[] random = new byte[n];
      r.nextBytes(random);
      for (byte[] content : new byte[][] {text, random}) {
        byte[] gz = Gzipper.gzip(content);
        assertArrayEquals(viaStream(content), gz, "length " + n);
        assertArrayEquals(content, new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes());
      }
    }
  }

  @Test
  void gzip_reusedDeflater_eachCallIndependent() throws IOException {
    byte[] a = "first file first file first file".getBytes(StandardCharsets.UTF_8);
    byte[] b = "second".getBytes(StandardCharsets.UTF_8);
    byte[] first = Gzipper.gzip(a);
    Gzipper.gzip(b);
    assertArrayEquals(first, Gzipper.gzip(a));
  }

  @Test
  void gzipByDefault_followsIcAssetDefaultEncoders() {
    for (String t : new String[] {"text/html", "text/css", "text/plain; charset=utf-8",
        "text/javascript", "application/javascript", "text/xml"}) {
      assertTrue(Gzipper.gzipByDefault(t), t);
    }
    for (String t : new String[] {"application/json", "application/xml", "image/svg+xml",
        "application/vnd.ms-fontobject", "image/png", "application/wasm", "font/woff2", "x"}) {
      assertFalse(Gzipper.gzipByDefault(t), t);
    }
  }
}
