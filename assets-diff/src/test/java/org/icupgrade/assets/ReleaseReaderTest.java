package org.icupgrade.assets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.assets.AssetSyncer;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.assets.ReleaseAsset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ReleaseReaderTest {
  @TempDir Path dir;

  interface TarWriter {
    void write(TarArchiveOutputStream tar) throws IOException;
  }

  private Path tar(String name, boolean gzip, TarWriter writer) throws IOException {
    Path p = dir.resolve(name);
    try (OutputStream file = Files.newOutputStream(p);
        OutputStream out = gzip ? new GZIPOutputStream(file) : file;
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, "UTF-8")) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      writer.write(tar);
    }
    return p;
  }

  static void file(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    e.setSize(content.length);
    tar.putArchiveEntry(e);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  static void file(TarArchiveOutputStream tar, String name, String content) throws IOException {
    file(tar, name, content.getBytes(StandardCharsets.UTF_8));
  }

  static void special(TarArchiveOutputStream tar, String name, byte type) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    if (type == TarConstants.LF_SYMLINK || type == TarConstants.LF_LINK) {
      e.setLinkName("../../etc/passwd");
    }
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }

  @Test
  void read_tarGz_keysContentTypesAndEncodings() throws IOException {
    String html = "<html>" + "hello ".repeat(200) + "</html>";
    Path p = tar("r.tar.gz", true, t -> {
      file(t, "./index.html", html);
      file(t, "assets/logo.png", new byte[] {(byte) 0x89, 'P', 'N', 'G'});
      file(t, "tiny.css", "a{}");
      file(t, "unknown.xyz", "?");
    });

    FrontendRelease r = ReleaseReader.defaults().read(p);

    assertEquals(List.of("/assets/logo.png", "/index.html", "/tiny.css", "/unknown.xyz"),
        r.keys());
    ReleaseAsset index = r.asset("/index.html").orElseThrow();
    assertEquals("text/html", index.contentType());
    // Read as identity only: the syncer makes the gzip where it uploads one.
    assertEquals(List.of("identity"),
        index.encodings().stream().map(e -> e.contentEncoding()).toList());
    assertEquals(Sha256.of(html.getBytes(StandardCharsets.UTF_8)), index.sha256());
    assertEquals(1, r.asset("/assets/logo.png").orElseThrow().encodings().size(),
        "images are not gzipped");
    assertEquals(1, r.asset("/tiny.css").orElseThrow().encodings().size(),
        "gzip is kept only when smaller");
    assertEquals("application/octet-stream", r.asset("/unknown.xyz").orElseThrow().contentType());
  }

  @Test
  void read_tarTarGzAndDirectory_sameFrontendHash() throws IOException {
    TarWriter w = t -> {
      file(t, "index.html", "<html/>");
      file(t, "js/app.js", "app()");
    };
    Path plain = tar("r.tar", false, w);
    Path gz = tar("r.tar.gz", true, w);
    Path d = Files.createDirectories(dir.resolve("tree/js"));
    Files.writeString(dir.resolve("tree/index.html"), "<html/>");
    Files.writeString(d.resolve("app.js"), "app()");

    Sha256 a = ReleaseReader.defaults().read(plain).frontendHash();

    assertEquals(a, ReleaseReader.defaults().read(gz).frontendHash());
    assertEquals(a, ReleaseReader.defaults().read(dir.resolve("tree")).frontendHash());
  }

  @Test
  void frontendHash_isSha256OfLengthPrefixedKeysAndContentHashesInKeyOrder() throws IOException {
    Path p = tar("r.tar", false, t -> {
      file(t, "b.txt", "B");
      file(t, "a.txt", "A");
    });
    MessageDigest md = Sha256.newDigest();
    for (String[] kv : new String[][] {{"/a.txt", "A"}, {"/b.txt", "B"}}) {
      byte[] key = kv[0].getBytes(StandardCharsets.UTF_8);
      md.update(ByteBuffer.allocate(4).putInt(key.length).array());
      md.update(key);
      md.update(Sha256.of(kv[1].getBytes(StandardCharsets.UTF_8)).toBytes());
    }

    assertEquals(Sha256.fromDigest(md), ReleaseReader.defaults().read(p).frontendHash());
  }

  @Test
  void read_appleDoubleAndDsStore_skipped() throws IOException {
    Path p = tar("r.tar", false, t -> {
      file(t, "index.html", "<html/>");
      file(t, "._index.html", "junk");
      file(t, "sub/.DS_Store", "junk");
    });

    assertEquals(List.of("/index.html"), ReleaseReader.defaults().read(p).keys());
  }

  @Test
  void read_hiddenFiles_skippedExceptWellKnownAndListedOnes() throws IOException {
    Path p = tar("r.tar.gz", true, t -> {
      file(t, "index.html", "<html/>");
      file(t, ".env", "SECRET=1");
      file(t, ".git/config", "[core]");
      file(t, "assets/.cache/x.js", "x");
      file(t, ".well-known/ic-domains", "example.org");
      file(t, ".nojekyll", "");
    });
    assertEquals(List.of("/.well-known/ic-domains", "/index.html"),
        ReleaseReader.defaults().read(p).keys());
    assertEquals(List.of("/.nojekyll", "/.well-known/ic-domains", "/index.html"),
        ReleaseReader.defaults().publishingHidden("/.nojekyll"::equals).read(p).keys());
  }

  static Stream<Arguments> unsafeArchives() {
    return Stream.of(
        Arguments.of("absolute path", "/etc/passwd", (TarWriter) t -> file(t, "/etc/passwd", "x")),
        Arguments.of("dot dot", "a/../../x.js", (TarWriter) t -> file(t, "a/../../x.js", "x")),
        Arguments.of("symlink", "link.js",
            (TarWriter) t -> special(t, "link.js", TarConstants.LF_SYMLINK)),
        Arguments.of("hard link", "hard.js",
            (TarWriter) t -> special(t, "hard.js", TarConstants.LF_LINK)),
        Arguments.of("character device", "dev",
            (TarWriter) t -> special(t, "dev", TarConstants.LF_CHR)),
        Arguments.of("block device", "blk",
            (TarWriter) t -> special(t, "blk", TarConstants.LF_BLK)),
        Arguments.of("fifo", "fifo", (TarWriter) t -> special(t, "fifo", TarConstants.LF_FIFO)),
        Arguments.of("duplicate", "./a.js", (TarWriter) t -> {
          file(t, "a.js", "1");
          file(t, "./a.js", "2");
        }),
        Arguments.of("bad UTF-8", "bad", (TarWriter) t -> {
          TarArchiveOutputStream raw = t;
          TarArchiveEntry e = new TarArchiveEntry("bad\u00ff.js", true);
          e.setSize(1);
          // write the name's bytes as ISO-8859-1: 0xFF is never valid UTF-8
          raw.putArchiveEntry(e);
          raw.write('x');
          raw.closeArchiveEntry();
        }));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unsafeArchives")
  void read_unsafeEntry_refusedNamingItAndNothingSent(
      String what, String entry, TarWriter writer) throws IOException {
    Path p = "bad UTF-8".equals(what) ? latin1Tar(writer) : tar("bad.tar.gz", true, t -> {
      file(t, "index.html", "<html/>");
      writer.write(t);
    });
    FakeAssetCanister canister = FakeAssetCanister.dfinity();
    AssetSyncer syncer = AssetSyncers.builder().build();

    UnsafeArchiveException e = assertThrows(UnsafeArchiveException.class,
        () -> syncer.sync(canister, ReleaseReader.defaults().read(p)));

    assertTrue(e.entryName().contains(entry), e.getMessage());
    assertEquals(0, canister.mutatingCalls());
  }

  private Path latin1Tar(TarWriter writer) throws IOException {
    Path p = dir.resolve("latin1.tar");
    try (TarArchiveOutputStream tar =
        new TarArchiveOutputStream(Files.newOutputStream(p), "ISO-8859-1")) {
      writer.write(tar);
    }
    return p;
  }

  static Stream<Arguments> bombs() {
    return Stream.of(
        Arguments.of("file over limit", ReadLimits.DEFAULTS.withMaxFileBytes(1000),
            (Consumer<TarArchiveOutputStream>) t -> unchecked(() -> file(t, "big.bin",
                new byte[1001]))),
        Arguments.of("total over limit", ReadLimits.DEFAULTS.withMaxTotalBytes(1500),
            (Consumer<TarArchiveOutputStream>) t -> unchecked(() -> {
              file(t, "a.bin", new byte[1000]);
              file(t, "b.bin", new byte[1000]);
            })),
        Arguments.of("too many entries", ReadLimits.DEFAULTS.withMaxEntries(10),
            (Consumer<TarArchiveOutputStream>) t -> unchecked(() -> {
              for (int i = 0; i < 11; i++) {
                file(t, "._skipped" + i, "x");
              }
            })));
  }

  interface IoAction {
    void run() throws IOException;
  }

  static void unchecked(IoAction a) {
    try {
      a.run();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bombs")
  void read_overLimits_refused(String what, ReadLimits limits,
      Consumer<TarArchiveOutputStream> writer) throws IOException {
    Path p = tar("bomb.tar.gz", true, writer::accept);

    assertThrows(UnsafeArchiveException.class, () -> ReleaseReader.withLimits(limits).read(p));
  }

  @Test
  void read_highlyCompressedBomb_refusedBeforeInflatingIt() throws IOException {
    // 64 MiB of zeros compress to about 64 KiB; the default 1 MiB file limit here stops it early
    Path p = dir.resolve("zeros.tar.gz");
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(
        new GZIPOutputStream(Files.newOutputStream(p)))) {
      TarArchiveEntry e = new TarArchiveEntry("zeros.bin");
      e.setSize(64L << 20);
      t.putArchiveEntry(e);
      byte[] block = new byte[1 << 20];
      for (int i = 0; i < 64; i++) {
        t.write(block);
      }
      t.closeArchiveEntry();
    }
    assertTrue(Files.size(p) < (1 << 20));

    UnsafeArchiveException e = assertThrows(UnsafeArchiveException.class,
        () -> ReleaseReader.withLimits(ReadLimits.DEFAULTS.withMaxFileBytes(1 << 20)).read(p));

    assertEquals("zeros.bin", e.entryName());
  }

  @Test
  void read_directoryWithSymlink_refused() throws IOException {
    Path tree = Files.createDirectories(dir.resolve("tree"));
    Files.writeString(tree.resolve("index.html"), "<html/>");
    Files.createSymbolicLink(tree.resolve("passwd"), Path.of("/etc/passwd"));

    UnsafeArchiveException e = assertThrows(UnsafeArchiveException.class,
        () -> ReleaseReader.defaults().read(tree));

    assertEquals("passwd", e.entryName());
  }

  @Test
  void read_utf8NamesInUstarAndPax_accepted() throws IOException {
    Path p = tar("utf8.tar", false, t -> {
      file(t, "caf\u00e9.html", "a");
      t.setAddPaxHeadersForNonAsciiNames(true);
      file(t, "\u4e2d\u6587.html", "b");
    });

    assertEquals(List.of("/caf\u00e9.html", "/\u4e2d\u6587.html"),
        ReleaseReader.defaults().read(p).keys());
  }

  @Test
  void contentTypes_commonWebExtensions() {
    assertEquals("text/javascript", ContentTypes.forKey("/a/b.mjs"));
    assertEquals("font/woff2", ContentTypes.forKey("/f.WOFF2"));
    assertEquals("application/manifest+json", ContentTypes.forKey("/site.webmanifest"));
    assertEquals("application/wasm", ContentTypes.forKey("/m.wasm"));
    assertEquals("application/octet-stream", ContentTypes.forKey("/.hidden"));
    assertTrue(ContentTypes.isCompressible("image/svg+xml"));
    assertTrue(!ContentTypes.isCompressible("image/png"));
  }

  @Test
  void protectedKeys_globs() {
    ProtectedKeys k = ProtectedKeys.storageDefaults();

    assertTrue(k.test("/info.json"));
    assertTrue(k.test("/thumbnails/a/b.png"));
    assertTrue(!k.test("/sub/info.json"));
    assertTrue(!k.test("/thumbnails"));
  }

  @Test
  void gzip_sameBytes_sameEncodingHash() {
    byte[] text = "abc abc abc abc abc abc abc abc abc abc".getBytes(StandardCharsets.UTF_8);

    assertEquals(
        org.icupgrade.assets.internal.ReleaseCollector.toAsset("/a.txt", text).encodings(),
        org.icupgrade.assets.internal.ReleaseCollector.toAsset("/a.txt", text.clone())
            .encodings());
  }

  @Test
  void read_corruptGzipOrMissingFile_releaseReadExceptionUnderTheRoot() throws IOException {
    Path corrupt = dir.resolve("corrupt.tar.gz");
    // gzip magic, then garbage: the gzip reader fails mid-header.
    Files.write(corrupt, new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3});
    ReleaseReadException e = assertThrows(ReleaseReadException.class,
        () -> ReleaseReader.defaults().read(corrupt));
    assertTrue(e instanceof org.icupgrade.core.IcException);
    assertTrue(e.getMessage().contains("corrupt.tar.gz") || e.getMessage().contains("gzip"),
        e.getMessage());
    Path missing = dir.resolve("missing.tar.gz");
    ReleaseReadException m = assertThrows(ReleaseReadException.class,
        () -> ReleaseReader.defaults().read(missing));
    assertTrue(m.getMessage().contains("missing.tar.gz"), m.getMessage());
  }

  static byte[] gzip(byte[] content) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(content);
    }
    return out.toByteArray();
  }

  static Stream<Arguments> releasesWithoutFiles() throws IOException {
    java.io.ByteArrayOutputStream emptyTar = new java.io.ByteArrayOutputStream();
    new TarArchiveOutputStream(emptyTar).close();
    return Stream.of(
        Arguments.of("a 0-byte file", new byte[0]),
        Arguments.of("an empty tar", emptyTar.toByteArray()),
        Arguments.of("gzip of nothing", gzip(new byte[0])),
        Arguments.of("an empty tar.gz", gzip(emptyTar.toByteArray())),
        Arguments.of("a 43-byte HTML error page",
            "<html><body>502 Bad Gateway</body></html>\n".getBytes(StandardCharsets.US_ASCII)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("releasesWithoutFiles")
  void read_releaseWithoutFiles_refusedSoNothingIsWiped(String what, byte[] bytes)
      throws IOException {
    Path file = dir.resolve("release.tar.gz");
    Files.write(file, bytes);
    ReleaseReadException e = assertThrows(ReleaseReadException.class,
        () -> ReleaseReader.defaults().read(file), what);
    assertTrue(e.getMessage().contains("no files") || e.getMessage().contains("tar"),
        e.getMessage());
  }

  @Test
  void read_emptyDirectory_refusedUnlessAllowed() throws IOException {
    Path empty = Files.createDirectory(dir.resolve("site"));
    assertThrows(ReleaseReadException.class, () -> ReleaseReader.defaults().read(empty));
    assertEquals(0, ReleaseReader.defaults().allowingEmpty().read(empty).assets().size());
  }
}
