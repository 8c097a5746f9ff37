package org.icupgrade.assets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.icupgrade.core.assets.FrontendRelease;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Directory sources read by bytes and links, and memory per entry. */
class ReleaseReaderHardeningTest {
  @TempDir Path dir;

  @Test
  void readDirectory_utf8NameUnderCLocale_acceptedWithItsTrueName() throws Exception {
    Path tree = Files.createDirectories(dir.resolve("site"));
    Files.writeString(tree.resolve("index.html"), "<html/>");
    Files.writeString(tree.resolve("caf\u00e9.js"), "1");
    Files.createDirectories(tree.resolve("\u4e2d"));
    Files.writeString(tree.resolve("\u4e2d").resolve("x.css"), "a{}");

    List<String> out = runProbe(tree);

    // the child's JVM really decodes file names as ASCII: the case this test is about
    assertTrue(out.contains("jnu=ANSI_X3.4-1968"), out.toString());
    assertEquals(List.of("%2Fcaf%C3%A9.js", "%2Findex.html", "%2F%E4%B8%AD%2Fx.css"),
        out.subList(0, 3), out.toString());
  }

  @Test
  void readDirectory_nameNotUtf8_refusedNamingIt() throws Exception {
    Path tree = Files.createDirectories(dir.resolve("site"));
    Files.writeString(tree.resolve("index.html"), "<html/>");
    // Java cannot name a file with a lone 0xE9 byte under a UTF-8 locale; the shell can.
    Process p = new ProcessBuilder("sh", "-c", "printf x > \"$(printf 'caf\\351.js')\"")
        .directory(tree.toFile()).inheritIO().start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue());

    UnsafeArchiveException e = assertThrows(UnsafeArchiveException.class,
        () -> ReleaseReader.defaults().read(tree));

    assertTrue(e.entryName().startsWith("caf"), e.getMessage());
    assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
  }

  @Test
  void readDirectory_hardLinkToFileOutside_refused() throws IOException {
    Path secret = Files.writeString(dir.resolve("secret.txt"), "key");
    Path tree = Files.createDirectories(dir.resolve("site"));
    Files.writeString(tree.resolve("index.html"), "<html/>");
    Files.createLink(tree.resolve("notes.txt"), secret);

    UnsafeArchiveException e = assertThrows(UnsafeArchiveException.class,
        () -> ReleaseReader.defaults().read(tree));

    assertEquals("notes.txt", e.entryName());
    assertTrue(e.getMessage().contains("hard link"), e.getMessage());
  }

  @Test
  void readDirectory_hardLinksBothInside_accepted() throws IOException {
    Path tree = Files.createDirectories(dir.resolve("site"));
    Path index = Files.writeString(tree.resolve("index.html"), "<html/>");
    Files.createLink(tree.resolve("200.html"), index);

    assertEquals(List.of("/200.html", "/index.html"), ReleaseReader.defaults().read(tree).keys());
  }

  @Test
  void readDirectory_symlinkedSubdirectoryOut_refused() throws IOException {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.writeString(outside.resolve("secret.txt"), "key");
    Path tree = Files.createDirectories(dir.resolve("site"));
    Files.writeString(tree.resolve("index.html"), "<html/>");
    Files.createSymbolicLink(tree.resolve("docs"), outside);

    UnsafeArchiveException e = assertThrows(UnsafeArchiveException.class,
        () -> ReleaseReader.defaults().read(tree));

    assertEquals("docs", e.entryName());
  }

  // --- the reproducers, by name ---

  @Test
  void read_1MBTarGzWith1GiBGnuLongName_refusedBeforeBufferingIt() {
    byte[] noise = new byte[1 << 20];
    new java.util.Random(1).nextBytes(noise);
    byte[] gz = HostileArchiveSuiteTest.gzip(new HostileArchiveSuiteTest.RawTar()
        .header("././@LongLink", 'L', 1L << 30).raw(noise).bytes());
    assertTrue(gz.length > 1_000_000 && gz.length < 1_100_000, "" + gz.length);

    UnsafeArchiveException e = assertThrows(UnsafeArchiveException.class,
        () -> ReleaseReader.defaults().readTarGz(new java.io.ByteArrayInputStream(gz)));

    assertEquals("././@LongLink", e.entryName());
    assertTrue(e.getMessage().contains("ReadLimits.maxHeaderBytes"), e.getMessage());
  }

  @Test
  void read_2100PaxHeadersInARow_refusedWithoutRecursion() {
    HostileArchiveSuiteTest.RawTar t = HostileArchiveSuiteTest.tar();
    for (int i = 0; i < 2100; i++) {
      t.pax('x', "comment=" + i);
    }
    byte[] tar = t.file("after.html", "x").end().bytes();

    UnsafeArchiveException e = assertThrows(UnsafeArchiveException.class,
        () -> ReleaseReader.defaults().readTar(new java.io.ByteArrayInputStream(tar)));

    assertTrue(e.getMessage().contains("extended headers"), e.getMessage());
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "type {0}")
  @org.junit.jupiter.params.provider.ValueSource(chars = {'V', 'M', 'N', 'D', 'Z', '8'})
  void read_entryTypeNotFileOrDirectory_refusedNamingIt(char type) {
    byte[] tar = HostileArchiveSuiteTest.tar().header("odd-entry", type, 0).end().bytes();

    UnsafeArchiveException e = assertThrows(UnsafeArchiveException.class,
        () -> ReleaseReader.defaults().readTar(new java.io.ByteArrayInputStream(tar)));

    assertEquals("odd-entry", e.entryName());
  }

  @Test
  void read_paxPathWithDotDot_refusedAsAUstarNameIs() {
    byte[] tar = HostileArchiveSuiteTest.tar().pax('x', "path=../../etc/cron.d/x")
        .file("innocent.js", "x").end().bytes();

    UnsafeArchiveException e = assertThrows(UnsafeArchiveException.class,
        () -> ReleaseReader.defaults().readTar(new java.io.ByteArrayInputStream(tar)));

    assertEquals("../../etc/cron.d/x", e.entryName());
  }

  @Test
  void read_directoryDeclaringHugeData_refusedByTheLimitsNotSkipped() {
    // without the bound, the reader would skip 1 TiB of a gzip stream that can produce it
    byte[] tar = HostileArchiveSuiteTest.tar().header("dir/", '5', 1L << 40).end().bytes();

    UnsafeArchiveException e = assertThrows(UnsafeArchiveException.class,
        () -> ReleaseReader.defaults().readTar(new java.io.ByteArrayInputStream(tar)));

    assertEquals("dir/", e.entryName());
    assertTrue(e.getMessage().contains("ReadLimits.maxFileBytes"), e.getMessage());
  }

  @Test
  void read_tarGzCutMidEntry_refusedNamingTheEntry() {
    byte[] content = new byte[200_000];
    new java.util.Random(2).nextBytes(content);
    byte[] tar = new HostileArchiveSuiteTest.RawTar().file("index.html", "<html/>")
        .header("app.bin", '0', content.length).data(content).end().bytes();
    byte[] gz = HostileArchiveSuiteTest.gzip(java.util.Arrays.copyOf(tar, 100_000));

    ReleaseReadException e = assertThrows(ReleaseReadException.class,
        () -> ReleaseReader.defaults().readTarGz(new java.io.ByteArrayInputStream(gz)));

    assertTrue(e.getMessage().contains("app.bin") && e.getMessage().contains("cut short"),
        e.getMessage());
  }

  @Test
  void readTar_100000TinyFiles_noBigBufferPerEntry() {
    int files = 100_000; // the default ReadLimits.maxEntries
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().getId();
    TinyFilesTar tar = new TinyFilesTar(files);
    long before = threads.getThreadAllocatedBytes(thread);

    FrontendRelease release = ReleaseReader.defaults().readTar(tar);

    long perEntry = (threads.getThreadAllocatedBytes(thread) - before) / files;
    assertEquals(files, release.assets().size());
    // what is kept (key, hashes, content, the asset) is well under 2 KiB an entry; a 64 KiB
    // buffer per entry, as a GZIPOutputStream or a BufferedInputStream per file would be,
    // cannot hide under this bound
    assertTrue(perEntry < 8 * 1024, "allocated " + perEntry + " bytes per entry");
  }

  /**
   * A tar of {@code n} 8-byte {@code .png} files (not compressible, so no gzip encoding), made as
   * it is read, in one reused block, so that the test's own allocation does not count.
   */
  static final class TinyFilesTar extends InputStream {
    private final int n;
    private final byte[] header = new byte[512];
    private final byte[] data = new byte[512];
    private int file;
    private int part; // 0 header, 1 data
    private int pos;
    private int endBytes = 1024;

    TinyFilesTar(int n) {
      this.n = n;
      byte[] name = "f/000000.png".getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(name, 0, header, 0, name.length);
      put(100, "0000644\0");
      put(108, "0000000\0");
      put(116, "0000000\0");
      put(124, "00000000010\0");
      put(136, "00000000000\0");
      header[156] = '0';
      put(257, "ustar\u000000");
      System.arraycopy("pngdata!".getBytes(StandardCharsets.US_ASCII), 0, data, 0, 8);
      setName(0);
    }

    private void put(int off, String s) {
      byte[] b = s.getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(b, 0, header, off, b.length);
    }

    private void setName(int i) {
      int v = i;
      for (int d = 7; d >= 2; d--) {
        header[d] = (byte) ('0' + v % 10);
        v /= 10;
      }
      java.util.Arrays.fill(header, 148, 156, (byte) ' ');
      int sum = 0;
      for (byte b : header) {
        sum += b & 0xff;
      }
      for (int d = 153; d >= 148; d--) {
        header[d] = (byte) ('0' + (sum & 7));
        sum >>= 3;
      }
      header[154] = 0;
    }

    @Override
    public int read() {
      throw new UnsupportedOperationException("block reads only");
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (file == n) {
        if (endBytes == 0) {
          return -1;
        }
        int k = Math.min(len, endBytes);
        java.util.Arrays.fill(b, off, off + k, (byte) 0);
        endBytes -= k;
        return k;
      }
      byte[] src = part == 0 ? header : data;
      int k = Math.min(len, 512 - pos);
      System.arraycopy(src, pos, b, off, k);
      pos += k;
      if (pos == 512) {
        pos = 0;
        if (part == 0) {
          part = 1;
        } else {
          part = 0;
          file++;
          if (file < n) {
            setName(file);
          }
        }
      }
      return k;
    }
  }

  private List<String> runProbe(Path tree) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        DirectoryReadProbe.class.getName(), tree.toString());
    pb.environment().put("LANG", "C");
    pb.environment().put("LC_ALL", "C");
    pb.environment().remove("LC_CTYPE");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the probe JVM did not finish");
    return List.of(new String(out, StandardCharsets.US_ASCII).split("\n"));
  }
}
