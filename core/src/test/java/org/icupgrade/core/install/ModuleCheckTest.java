package org.icupgrade.core.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.IntegrityException;
import org.icupgrade.core.WasmModule;
import org.icupgrade.core.calls.RetryPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ModuleCheckTest {
  static final byte[] HEADER = {0, 0x61, 0x73, 0x6d, 1, 0, 0, 0};

  static byte[] leb(long v) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    do {
      int b = (int) (v & 0x7f);
      v >>>= 7;
      out.write(v != 0 ? b | 0x80 : b);
    } while (v != 0);
    return out.toByteArray();
  }

  static byte[] cat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static byte[] section(int id, byte[] content) {
    return cat(new byte[] {(byte) id}, leb(content.length), content);
  }

  static byte[] custom(String name, int dataBytes) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    return section(0, cat(leb(n.length), n, new byte[dataBytes]));
  }

  /** A memory section with one memory of these limit flags and values. */
  static byte[] memory(int flags, long... limits) {
    ByteArrayOutputStream c = new ByteArrayOutputStream();
    c.write(1);
    c.write(flags);
    for (long l : limits) {
      c.writeBytes(leb(l));
    }
    return section(5, c.toByteArray());
  }

  static byte[] module(byte[]... sections) {
    return cat(HEADER, cat(sections));
  }

  static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(out)) {
      gz.write(b);
    }
    return out.toByteArray();
  }

  static Stream<Arguments> accepted() throws IOException {
    byte[][] icp = new byte[16][];
    for (int i = 0; i < 16; i++) {
      icp[i] = custom("icp:public m" + i, 10);
    }
    return Stream.of(
        Arguments.of("header only", HEADER),
        Arguments.of("4 GiB of 32-bit memory, what the IC gives", module(memory(0, 65_536))),
        Arguments.of("memory with a max", module(memory(1, 1, 65_536))),
        Arguments.of("6 GiB of 64-bit memory", module(memory(4, 98_304))),
        Arguments.of("16 icp sections", module(icp)),
        Arguments.of("a big non-icp custom section", module(custom("name", 2 << 20))),
        Arguments.of("sections in order incl. tag and data count", module(section(1, leb(0)),
            section(5, leb(0)), section(13, leb(0)), section(6, leb(0)), section(12, leb(0)),
            section(10, leb(0)), section(11, leb(0)))),
        Arguments.of("an imported memory", module(section(2, cat(leb(1), leb(3),
            "env".getBytes(StandardCharsets.US_ASCII), leb(3),
            "mem".getBytes(StandardCharsets.US_ASCII), new byte[] {2, 0, 1})))),
        Arguments.of("gzip", gzip(module(memory(0, 1)))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("accepted")
  void check_validModule_accepted(String what, byte[] bytes) {
    ModuleCheck.check(WasmModule.of(bytes));
  }

  static Stream<Arguments> refused() throws IOException {
    byte[][] icp = new byte[17][];
    for (int i = 0; i < 17; i++) {
      icp[i] = custom("icp:public m" + i, 10);
    }
    byte[] importedMemory = section(2, cat(leb(1), leb(3),
        "env".getBytes(StandardCharsets.US_ASCII), leb(3),
        "mem".getBytes(StandardCharsets.US_ASCII), new byte[] {2, 0, 1}));
    return Stream.of(
        Arguments.of("cut in the header", new byte[] {0, 0x61, 0x73, 0x6d, 1}, "header"),
        Arguments.of("version 2", new byte[] {0, 0x61, 0x73, 0x6d, 2, 0, 0, 0}, "version"),
        Arguments.of("section cut short", module(new byte[] {1, 10, 0}), "ends at byte"),
        Arguments.of("section size cut short", module(new byte[] {1, (byte) 0x80}),
            "ends at byte"),
        Arguments.of("unknown section id", module(section(14, new byte[0])), "unknown id"),
        Arguments.of("sections out of order", module(section(3, leb(0)), section(1, leb(0))),
            "out of order"),
        Arguments.of("section repeated", module(section(1, leb(0)), section(1, leb(0))),
            "repeated"),
        Arguments.of("overlong LEB128", module(new byte[] {1, (byte) 0x80, (byte) 0x80,
            (byte) 0x80, (byte) 0x80, (byte) 0x80, 0}), "LEB128"),
        Arguments.of("13 bytes declaring 4 GiB + 64 KiB of 32-bit memory",
            module(memory(0, 65_537)), "pages"),
        Arguments.of("64-bit memory over 6 GiB", module(memory(4, 98_305)), "pages"),
        Arguments.of("64-bit memory of 2^60 pages", module(memory(4, 1L << 60)), "pages"),
        Arguments.of("32-bit max over 4 GiB", module(memory(1, 1, 65_537)), "maximum"),
        Arguments.of("max below min", module(memory(1, 10, 5)), "below"),
        Arguments.of("shared memory", module(memory(3, 1, 1)), "shared"),
        Arguments.of("unknown limit flags", module(memory(8, 1)), "flags"),
        Arguments.of("two memories", module(importedMemory, memory(0, 1)), "more than one"),
        Arguments.of("code section over 11 MiB (header alone)",
            module(new byte[] {10}, leb(12L << 20)), "code section"),
        Arguments.of("17 icp sections", module(icp), "17 icp"),
        Arguments.of("icp sections over 1 MiB", module(custom("icp:private a", 600_000),
            custom("icp:public b", 500_000)), "icp: custom sections take"),
        Arguments.of("icp: without public/private", module(custom("icp:other x", 1)),
            "neither"),
        Arguments.of("public and private", module(custom("icp:public x", 1),
            custom("icp:private x", 1)), "both"),
        Arguments.of("custom name past its section", module(new byte[] {0, 2, 9, 'a'}),
            "runs past"),
        Arguments.of("gzip of a module declaring a 200 MiB section", gzip(cat(HEADER,
            new byte[] {0}, leb(200L << 20), new byte[] {1, 'a'}, new byte[1 << 20])),
            "beyond"),
        Arguments.of("gzip expanding to 120 MiB", gzipBomb(), "beyond"),
        Arguments.of("gzip cut short", cutInHalf(gzip(module(custom("x", 100_000)))), "gzip"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void check_invalidModule_refusedSayingWhy(String what, byte[] bytes, String reason) {
    IntegrityException e = assertThrows(IntegrityException.class,
        () -> ModuleCheck.check(WasmModule.of(bytes)));

    assertTrue(e.getMessage().contains(reason), e.getMessage());
    assertTrue(e.getMessage().contains("nothing was uploaded"), e.getMessage());
  }

  @Test
  void install_invalidModule_noCallAtAll() {
    FakeManagementCanister mc = new FakeManagementCanister();
    ChunkedWasmInstaller installer =
        ChunkedWasmInstaller.builder(mc).retryPolicy(RetryPolicy.none()).build();
    // 3 MiB, so that it would be chunked, with a memory the IC cannot give at the end
    byte[] big = TestModules.of(3 * WasmModule.CHUNK_SIZE, 1).toBytes();
    WasmModule m = WasmModule.of(cat(big, memory(0, 70_000)));

    assertThrows(IntegrityException.class, () -> installer.install(
        DefaultChunkedWasmInstallerTest.TARGET, m, InstallMode.install()));

    assertEquals(0, mc.count("upload_chunk"));
    assertEquals(List.of(), mc.calls);
  }

  @Test
  void install_validChunkedModule_stillUploads() {
    FakeManagementCanister mc = new FakeManagementCanister();
    ChunkedWasmInstaller installer =
        ChunkedWasmInstaller.builder(mc).retryPolicy(RetryPolicy.none()).build();
    WasmModule m = TestModules.of(3 * WasmModule.CHUNK_SIZE, 1);

    installer.install(DefaultChunkedWasmInstallerTest.TARGET, m, InstallMode.install());

    assertEquals(3, mc.count("upload_chunk"));
  }

  static byte[] cutInHalf(byte[] b) {
    return java.util.Arrays.copyOf(b, b.length / 2);
  }

  /** Three custom sections of 40 MiB of zeros, gzipped as they are written (about 120 KiB). */
  static byte[] gzipBomb() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] zeros = new byte[1 << 20];
    try (OutputStream gz = new GZIPOutputStream(out)) {
      gz.write(HEADER);
      for (int s = 0; s < 3; s++) {
        gz.write(0);
        gz.write(leb((40 << 20) + 2));
        gz.write(new byte[] {1, 'z'});
        for (int i = 0; i < 40; i++) {
          gz.write(zeros);
        }
      }
    }
    return out.toByteArray();
  }
}
