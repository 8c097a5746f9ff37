package org.icupgrade.replica.internal;

import static org.icupgrade.replica.demo.WasmBuilder.I32;
import static org.icupgrade.replica.demo.WasmBuilder.types;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.zip.GZIPOutputStream;
import org.icupgrade.core.CanisterRejectException;
import org.icupgrade.core.RejectCode;
import org.icupgrade.replica.demo.WasmBuilder;
import org.icupgrade.replica.demo.WasmBuilder.Code;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The interface spec's module requirements ("Canister module format", "WebAssembly module
 * requirements"), one by one, on the validator every install goes through.
 */
class ModuleValidatorTest {
  static final long BUDGET = org.icupgrade.replica.EmbeddedReplica.DEFAULT_HEAP_BUDGET;

  static final byte[] MINIMAL = {0, 0x61, 0x73, 0x6d, 1, 0, 0, 0};

  static CanisterRejectException refused(byte[] module) {
    CanisterRejectException e = assertThrows(CanisterRejectException.class,
        () -> ModuleValidator.check(module, "install_code", BUDGET));
    assertEquals(RejectCode.CANISTER_ERROR, e.rejectCode());
    assertEquals(java.util.Optional.of("IC0505"), e.errorCode());
    return e;
  }

  static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.toByteArray();
  }

  /** A module with one {@code () -> ()} function exported under each of {@code names}. */
  static byte[] exporting(String... names) {
    WasmBuilder w = new WasmBuilder();
    int f = w.function(types(), types(), types(), new Code().end());
    for (String name : names) {
      w.export(name, f);
    }
    return w.build();
  }

  @Test
  void check_minimalModule_accepted() {
    ModuleValidator.check(MINIMAL, "install_code", BUDGET);
    assertArrayEquals(MINIMAL, ModuleValidator.webAssembly(MINIMAL, "install_code"));
  }

  @Test
  void check_emptyModule_refused() {
    assertTrue(refused(new byte[0]).rejectMessage().contains("empty"));
  }

  @Test
  void check_noMagic_refused() {
    assertTrue(refused("not wasm at all".getBytes()).rejectMessage().contains("magic"));
  }

  @Test
  void check_truncatedModule_refused() {
    byte[] m = exporting("canister_update a");
    assertTrue(refused(java.util.Arrays.copyOf(m, m.length - 3)).rejectMessage()
        .contains("could not be decoded"));
  }

  @Test
  void check_gzipOfWasm_acceptedAndDecompressed() throws IOException {
    ModuleValidator.check(gzip(MINIMAL), "install_code", BUDGET);
    assertArrayEquals(MINIMAL, ModuleValidator.webAssembly(gzip(MINIMAL), "install_code"));
  }

  @Test
  void check_garbageAfterGzipMagic_refused() {
    assertTrue(refused(new byte[] {0x1f, (byte) 0x8b, 0x08, 1, 2, 3, 4, 5}).rejectMessage()
        .contains("gzip"));
  }

  @Test
  void check_gzipOfNonWasm_refused() throws IOException {
    assertTrue(refused(gzip("hello".getBytes())).rejectMessage().contains("magic"));
  }

  @Test
  void check_gzipOfGzip_refused() throws IOException {
    refused(gzip(gzip(MINIMAL)));
  }

  @Test
  void check_gzipBomb_refusedAtTheLimit() throws IOException {
    // 100 MiB + 1 of zeros compresses to about 100 KiB.
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(MINIMAL);
      byte[] zeros = new byte[1024 * 1024];
      for (int i = 0; i < 100; i++) {
        gz.write(zeros);
      }
    }
    assertTrue(refused(out.toByteArray()).rejectMessage().contains("decompresses to more"));
  }

  @Test
  void check_sixteenIcpSections_accepted() {
    WasmBuilder w = new WasmBuilder();
    for (int i = 0; i < 16; i++) {
      w.custom("icp:public s" + i, new byte[] {1});
    }
    ModuleValidator.check(w.build(), "install_code", BUDGET);
  }

  @Test
  void check_seventeenIcpSections_refused() {
    WasmBuilder w = new WasmBuilder();
    for (int i = 0; i < 17; i++) {
      w.custom((i % 2 == 0 ? "icp:public s" : "icp:private s") + i, new byte[] {1});
    }
    assertTrue(refused(w.build()).rejectMessage().contains("17 exported custom sections"));
  }

  @Test
  void check_manyAndLargeNonIcpCustomSections_accepted() {
    // Only icp: sections count (spec, "WebAssembly module requirements"): debug information
    // and producers sections of any number and size are fine.
    WasmBuilder w = new WasmBuilder();
    for (int i = 0; i < 20; i++) {
      w.custom(".debug_info" + i, new byte[] {1});
    }
    w.custom(".debug_str", new byte[2 * 1024 * 1024]);
    ModuleValidator.check(w.build(), "install_code", BUDGET);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1})
  void check_icpSectionsAroundOneMiB_refusedOnlyAbove(int over) {
    // The size counted is <name> after "icp:public " plus the content: 4 + content here.
    byte[] module = new WasmBuilder()
        .custom("icp:public name", new byte[1024 * 1024 - 4 + over]).build();
    if (over == 0) {
      ModuleValidator.check(module, "install_code", BUDGET);
    } else {
      assertTrue(refused(module).rejectMessage().contains("1048577 bytes"));
    }
  }

  @Test
  void check_icpSectionOfUnknownKind_refused() {
    assertTrue(refused(new WasmBuilder().custom("icp:secret x", new byte[0]).build())
        .rejectMessage().contains("icp:secret x"));
  }

  @Test
  void check_samePublicAndPrivateName_refused() {
    byte[] module = new WasmBuilder().custom("icp:public candid:service", new byte[0])
        .custom("icp:private candid:service", new byte[0]).build();
    assertTrue(refused(module).rejectMessage().contains("public or private"));
  }

  @Test
  void check_eopSection_reported() {
    byte[] module = new WasmBuilder()
        .custom("icp:private enhanced-orthogonal-persistence", new byte[0]).build();
    assertTrue(ModuleValidator.check(module, "install_code", BUDGET).enhancedOrthogonalPersistence());
    assertFalse(ModuleValidator.check(MINIMAL, "install_code", BUDGET).enhancedOrthogonalPersistence());
  }

  @Test
  void check_allEntryPointsAndMethods_accepted() {
    ModuleValidator.check(exporting("canister_init", "canister_pre_upgrade",
        "canister_post_upgrade", "canister_inspect_message", "canister_heartbeat",
        "canister_global_timer", "canister_on_low_wasm_memory", "canister_update a",
        "canister_query b", "canister_composite_query c", "helper"), "install_code", BUDGET);
  }

  @Test
  void check_unknownCanisterExport_refused() {
    assertTrue(refused(exporting("canister_start")).rejectMessage().contains("canister_start"));
  }

  @Test
  void check_entryPointWithParameters_refused() {
    WasmBuilder w = new WasmBuilder();
    w.export("canister_update add", w.function(types(I32), types(), types(), new Code().end()));
    assertTrue(refused(w.build()).rejectMessage().contains("() -> ()"));
  }

  @Test
  void check_sameMethodAsUpdateAndQuery_refused() {
    assertTrue(refused(exporting("canister_update get", "canister_query get")).rejectMessage()
        .contains("more than once"));
  }

  @Test
  void check_thousandAndOneMethods_refused() {
    String[] names = new String[1001];
    for (int i = 0; i < names.length; i++) {
      names[i] = "canister_update m" + i;
    }
    assertTrue(refused(exporting(names)).rejectMessage().contains("1001 methods"));
    ModuleValidator.check(exporting(java.util.Arrays.copyOf(names, 1000)), "install_code", BUDGET);
  }

  @Test
  void check_methodNamesOver20000Bytes_refused() {
    String a = "canister_update " + "a".repeat(10_000);
    String b = "canister_query " + "b".repeat(10_001);
    assertTrue(refused(exporting(a, b)).rejectMessage().contains("20001 bytes"));
  }

  @Test
  void check_codeSectionOver11MiB_refusedBeforeParsing() {
    int size = 11 * 1024 * 1024 + 1;
    byte[] module = new byte[8 + 1 + 4 + size];
    System.arraycopy(MINIMAL, 0, module, 0, 8);
    module[8] = 10; // code section, its size as a 4-byte LEB128
    module[9] = (byte) (0x80 | (size & 0x7f));
    module[10] = (byte) (0x80 | ((size >> 7) & 0x7f));
    module[11] = (byte) (0x80 | ((size >> 14) & 0x7f));
    module[12] = (byte) ((size >> 21) & 0x7f);
    assertTrue(refused(module).rejectMessage().contains("code section size of 11534337"));
  }

  @Test
  void check_twoMemories_refused() {
    // memory section: two memories of one page each
    byte[] module = {0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 5, 2, 0, 1, 0, 1};
    refused(module);
  }

  @Test
  void check_thousandAndOneGlobals_refused() {
    WasmBuilder w = new WasmBuilder();
    for (int i = 0; i < 1001; i++) {
      w.global(I32, true, i);
    }
    assertTrue(refused(w.build()).rejectMessage().contains("1001 globals"));
  }
}
