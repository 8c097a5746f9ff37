package org.icupgrade.assets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.icupgrade.core.assets.AssetSyncer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile archives, generated: every case must be refused with a {@link ReleaseReadException}
 * whose message names the offending entry (where there is one), within a time bound and without
 * exhausting the heap; a subset goes through a syncer to show that nothing reaches the canister.
 */
class HostileArchiveSuiteTest {
  @TempDir Path dir;

  /** One hostile archive: what it is, its bytes, and the entry the refusal must name (or null). */
  record Case(String what, byte[] bytes, @Nullable String entry) {}

  // --- a raw tar writer, so that the headers can say what no well-behaved library writes ---

  static final class RawTar {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    RawTar header(String name, int type, long size) {
      return header(name.getBytes(StandardCharsets.UTF_8), type, size, null);
    }

    RawTar header(byte[] name, int type, long size, byte @Nullable [] prefix) {
      byte[] h = new byte[512];
      System.arraycopy(name, 0, h, 0, Math.min(name.length, 100));
      octal(h, 100, 8, 0644);
      octal(h, 108, 8, 0);
      octal(h, 116, 8, 0);
      if (size < 0 || size > 077777777777L) {
        // GNU base-256
        h[124] = (byte) 0x80;
        long v = size;
        for (int i = 135; i > 124; i--) {
          h[i] = (byte) v;
          v >>= 8;
        }
        if (size < 0) {
          Arrays.fill(h, 124, 128, (byte) 0xff);
        }
      } else {
        octal(h, 124, 12, size);
      }
      octal(h, 136, 12, 0);
      h[156] = (byte) type;
      System.arraycopy("ustar\00000".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 8);
      if (prefix != null) {
        System.arraycopy(prefix, 0, h, 345, Math.min(prefix.length, 155));
      }
      Arrays.fill(h, 148, 156, (byte) ' ');
      long sum = 0;
      for (byte b : h) {
        sum += b & 0xff;
      }
      octal(h, 148, 7, sum);
      out.writeBytes(h);
      return this;
    }

    private static void octal(byte[] h, int off, int len, long v) {
      String s = Long.toOctalString(v);
      s = "0".repeat(Math.max(0, len - 1 - s.length())) + s;
      byte[] b = s.getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(b, 0, h, off, len - 1);
      h[off + len - 1] = 0;
    }

    RawTar data(byte[] content) {
      out.writeBytes(content);
      int pad = (512 - content.length % 512) % 512;
      out.writeBytes(new byte[pad]);
      return this;
    }

    RawTar file(String name, String content) {
      byte[] c = content.getBytes(StandardCharsets.UTF_8);
      return header(name, '0', c.length).data(c);
    }

    RawTar pax(int type, String... records) {
      ByteArrayOutputStream r = new ByteArrayOutputStream();
      for (String rec : records) {
        r.writeBytes(paxRecord(rec));
      }
      byte[] b = r.toByteArray();
      return header("PaxHeaders/x", type, b.length).data(b);
    }

    RawTar raw(byte[] bytes) {
      out.writeBytes(bytes);
      return this;
    }

    RawTar end() {
      out.writeBytes(new byte[1024]);
      return this;
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }

  static byte[] paxRecord(String keyValue) {
    return paxRecord(keyValue.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] paxRecord(byte[] keyValue) {
    byte[] kv = concat(new byte[] {' '}, keyValue, new byte[] {'\n'});
    int len = kv.length + 1;
    while (len != kv.length + Integer.toString(len).length()) {
      len = kv.length + Integer.toString(len).length();
    }
    byte[] prefix = Integer.toString(len).getBytes(StandardCharsets.US_ASCII);
    byte[] rec = new byte[len];
    System.arraycopy(prefix, 0, rec, 0, prefix.length);
    System.arraycopy(kv, 0, rec, prefix.length, kv.length);
    return rec;
  }

  static byte[] gzip(byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static RawTar tar() {
    return new RawTar().file("index.html", "<html/>");
  }

  // --- the cases ---

  static final List<String> BAD_NAMES = List.of("../evil.js", "a/../../evil.js", "/etc/passwd",
      "C:/evil.js", "a\\..\\evil.js", "a\0b.js", "what?.js", "..", "a/..");

  static List<Case> cases() {
    List<Case> cases = new ArrayList<>();
    byte[] big = new byte[1 << 20];
    Arrays.fill(big, (byte) 'a');

    // Extended headers over the limit: refused from the header, before any of it is read.
    cases.add(new Case("1 GiB GNU long name",
        tar().header("././@LongLink", 'L', 1L << 30).raw(big).bytes(), "././@LongLink"));
    cases.add(new Case("1 GiB GNU long link",
        tar().header("././@LongLink", 'K', 1L << 30).raw(big).bytes(), "././@LongLink"));
    cases.add(new Case("1 GiB PAX header",
        tar().header("PaxHeaders/big", 'x', 1L << 30).raw(big).bytes(), "PaxHeaders/big"));
    cases.add(new Case("1 GiB global PAX header",
        tar().header("pax_global_header", 'g', 1L << 30).raw(big).bytes(), "pax_global_header"));
    cases.add(new Case("2^62-byte GNU long name (base-256)",
        tar().header("././@LongLink", 'L', 1L << 62).bytes(), "././@LongLink"));

    // Extended headers in a row: bounded, no recursion.
    for (int type : new int[] {'x', 'L', 'g'}) {
      RawTar t = tar();
      for (int i = 0; i < 2100; i++) {
        if (type == 'L') {
          byte[] n = ("n" + i + "\0").getBytes(StandardCharsets.US_ASCII);
          t.header("././@LongLink", 'L', n.length).data(n);
        } else {
          t.pax(type, "comment=" + i);
        }
      }
      t.file("after.html", "x").end();
      String name = type == 'L' ? "././@LongLink" : "PaxHeaders/x";
      cases.add(new Case("2,100 headers of type " + (char) type + " in a row", t.bytes(), name));
    }

    // Every entry type that is not a file, a directory or an extended header.
    for (int type = 1; type < 256; type++) {
      if (type == '0' || type == '5' || type == '7' || type == 'L' || type == 'K'
          || type == 'x' || type == 'g') {
        continue;
      }
      String name = "entry-of-type-" + type;
      cases.add(new Case("entry type " + type,
          tar().header(name, type, 0).end().bytes(), name));
    }

    // Bad names, through every way a tar can carry a name, each in a tar and a tar.gz.
    for (String bad : BAD_NAMES) {
      if (bad.indexOf('\0') < 0) { // a ustar name field ends at its first NUL
        cases.add(new Case("ustar name " + bad, tar().file(bad, "x").end().bytes(), bad));
      }
      byte[] n = (bad + "\0").getBytes(StandardCharsets.UTF_8);
      cases.add(new Case("GNU long name " + bad, tar().header("././@LongLink", 'L', n.length)
          .data(n).file("innocent.js", "x").end().bytes(), bad));
      cases.add(new Case("PAX path " + bad, tar().pax('x', "path=" + bad)
          .file("innocent.js", "x").end().bytes(), bad));
    }
    cases.add(new Case("ustar prefix with ..", tar().header("x.js".getBytes(StandardCharsets
        .US_ASCII), '0', 0, "../..".getBytes(StandardCharsets.US_ASCII)).end().bytes(), "../.."));
    byte[] latin1 = {'c', 'a', 'f', (byte) 0xe9, '.', 'j', 's'};
    cases.add(new Case("ustar name not UTF-8", tar().header(latin1, '0', 0, null).end().bytes(),
        "caf"));
    byte[] latin1Record = paxRecord(concat("path=".getBytes(StandardCharsets.US_ASCII), latin1));
    cases.add(new Case("PAX path not UTF-8", tar().header("PaxHeaders/x", 'x',
        latin1Record.length).data(latin1Record).file("innocent.js", "x").end().bytes(), "caf"));
    cases.add(new Case("PAX path duplicating a ustar name",
        tar().pax('x', "path=index.html").file("other.html", "x").end().bytes(), "index.html"));
    cases.add(new Case("PAX path with NUL",
        tar().pax('x', "path=a\0.js").file("innocent.js", "x").end().bytes(), "a\0.js"));

    // Malformed or refused PAX content.
    String[][] badPax = {
        {"sparse", "GNU.sparse.map=0,1"}, {"hdrcharset", "hdrcharset=BINARY"},
        {"size not a number", "size=12x"}, {"size beyond 100 MiB", "size=209715200"}};
    for (String[] p : badPax) {
      cases.add(new Case("PAX " + p[0], tar().pax('x', p[1]).file("innocent.js", "x").end()
          .bytes(), p[0].startsWith("size beyond") ? "innocent.js" : "PaxHeaders/x"));
    }
    for (String key : List.of("path=evil.js", "size=10")) {
      cases.add(new Case("global PAX " + key, tar().pax('g', key).file("innocent.js", "x")
          .end().bytes(), "PaxHeaders/x"));
    }
    for (String rec : List.of("99 path=x\n", "5 path=x\n", "abc", "12 pathx.js\n", "-1 a=b\n",
        "99999999999 a=b\n")) {
      byte[] b = rec.getBytes(StandardCharsets.US_ASCII);
      cases.add(new Case("malformed PAX record '" + rec.strip() + "'",
          tar().header("PaxHeaders/m", 'x', b.length).data(b).file("innocent.js", "x").end()
              .bytes(), "PaxHeaders/m"));
    }

    // Sizes.
    cases.add(new Case("negative base-256 size", tar().header("neg.js", '0', -5).end().bytes(),
        "neg.js"));
    cases.add(new Case("directory declaring 2^40 bytes of data",
        tar().header("dir/", '5', 1L << 40).raw(big).bytes(), "dir/"));
    cases.add(new Case("skipped ._ file declaring 2^40 bytes",
        tar().header("._index.html", '0', 1L << 40).raw(big).bytes(), "._index.html"));
    cases.add(new Case("file over 100 MiB (declared)",
        tar().header("huge.bin", '0', 1L << 40).raw(big).bytes(), "huge.bin"));

    // Cut short and not a tar.
    byte[] good = new RawTar().file("index.html", "<html>" + "x".repeat(3000) + "</html>")
        .file("app.js", "console.log(1)").end().bytes();
    int endBlock = good.length - 1024;
    for (int cut = 0; cut <= endBlock; cut += cut < 1100 ? 37 : 512) {
      String entry = cut >= 512 && cut < 3584 ? "index.html"
          : cut >= 4096 && cut < 4608 ? "app.js" : null;
      cases.add(new Case("tar cut at byte " + cut, Arrays.copyOf(good, cut), entry));
    }
    byte[] goodGz = gzip(good);
    for (int cut = 0; cut < goodGz.length; cut += 7) {
      cases.add(new Case("tar.gz cut at byte " + cut, Arrays.copyOf(goodGz, cut), null));
    }
    cases.add(new Case("gzip of a tar without end blocks",
        gzip(Arrays.copyOf(good, endBlock)), null));
    cases.add(new Case("extended header then end", tar().pax('x', "path=a.js").end().bytes(),
        null));
    byte[] badSum = tar().file("second.js", "x").end().bytes();
    badSum[512 + 512 + 10] ^= 1; // second header's name, checksum now wrong
    cases.add(new Case("bad checksum", badSum, null));
    cases.add(new Case("0-byte file", new byte[0], null));
    cases.add(new Case("gzip of nothing", gzip(new byte[0]), null));
    cases.add(new Case("empty tar", new RawTar().end().bytes(), null));
    cases.add(new Case("empty tar.gz", gzip(new RawTar().end().bytes()), null));
    cases.add(new Case("HTML error page", "<html><body>502 Bad Gateway</body></html>\n"
        .getBytes(StandardCharsets.US_ASCII), null));
    cases.add(new Case("HTML error page, gzipped", gzip("<html>404</html>"
        .getBytes(StandardCharsets.US_ASCII)), null));
    java.util.Random random = new java.util.Random(10);
    for (int i = 0; i < 20; i++) {
      byte[] noise = new byte[1 + random.nextInt(4096)];
      random.nextBytes(noise);
      cases.add(new Case("random bytes #" + i, noise, null));
    }
    return cases;
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static final ReleaseReader READER = ReleaseReader.defaults();

  private static void read(byte[] bytes) {
    boolean gz = bytes.length >= 2 && bytes[0] == 0x1f && bytes[1] == (byte) 0x8b;
    ByteArrayInputStream in = new ByteArrayInputStream(bytes);
    if (gz) {
      READER.readTarGz(in);
    } else {
      READER.readTar(in);
    }
  }

  @Test
  void read_everyHostileArchive_refusedNamingTheEntry() {
    List<Case> cases = cases();
    List<String> failures = new ArrayList<>();
    for (Case c : cases) {
      ReleaseReadException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
          () -> assertThrows(ReleaseReadException.class,
              () -> read(c.bytes()), c.what()));
      if (c.entry() != null && !e.getMessage().contains(c.entry())
          && !(e instanceof UnsafeArchiveException u && u.entryName().contains(c.entry()))) {
        failures.add(c.what() + ": " + e.getMessage());
      }
    }
    System.out.println("hostile archives refused: " + cases.size() + " cases");
    assertTrue(cases.size() > 300, "cases: " + cases.size());
    assertEquals(List.of(), failures);
  }

  @Test
  void sync_hostileArchives_nothingSentToTheCanister() throws IOException {
    List<Case> cases = cases();
    int synced = 0;
    for (int i = 0; i < cases.size(); i += 10) {
      Case c = cases.get(i);
      Path file = dir.resolve("release-" + i + ".tar.gz");
      Files.write(file, c.bytes());
      FakeAssetCanister canister = FakeAssetCanister.dfinity();
      canister.put("/index.html", "text/html", "<html>live</html>".getBytes(
          StandardCharsets.UTF_8));
      int before = canister.mutatingCalls();
      AssetSyncer syncer = AssetSyncers.builder().build();

      assertThrows(ReleaseReadException.class,
          () -> syncer.sync(canister, ReleaseReader.defaults().read(file)), c.what());

      assertEquals(before, canister.mutatingCalls(), c.what());
      assertEquals(1, canister.list(0, 100).size(), c.what());
      synced++;
    }
    System.out.println("hostile archives through a syncer: " + synced + " cases");
    assertTrue(synced > 30);
  }
}
