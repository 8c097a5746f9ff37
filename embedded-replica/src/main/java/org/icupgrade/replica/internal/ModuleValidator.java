package org.icupgrade.replica.internal;

import com.dylibso.chicory.wasm.Parser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Checks a module the way the IC does before installing it, and answers what the install needs
 * to know about it (whether it declares enhanced orthogonal persistence).
 */
final class ModuleValidator {
  /**
   * Largest WASM module, uncompressed (interface spec, "Resource limits": the Wasm module, once
   * decompressed, may be up to 100 MiB).
   */
  static final int MAX_MODULE_SIZE = 100 * 1024 * 1024;
  /** At most 16 custom sections (interface spec, "WebAssembly module requirements"). */
  static final int MAX_CUSTOM_SECTIONS = 16;
  /** Custom sections at most 1 MiB in total (same section). */
  static final int MAX_CUSTOM_SECTIONS_SIZE = 1024 * 1024;
  /** The custom section by which a Motoko module declares enhanced orthogonal persistence. */
  static final String EOP_SECTION = "icp:private enhanced-orthogonal-persistence";

  private ModuleValidator() {}

  /** What validation learned about a module. */
  record Checked(byte[] wasm, boolean enhancedOrthogonalPersistence) {}

  static Checked check(byte[] module, String method) {
    if (module.length == 0) {
      throw Rejects.invalid(method, "Wasm module is empty: it has no bytes", "IC0505");
    }
    byte[] wasm = module;
    // A module may be gzip-compressed; the IC recognises it by the gzip magic (interface spec,
    // "IC method install_code": "the wasm_module field may be gzip-compressed").
    if (module.length >= 3 && (module[0] & 0xFF) == 0x1f && (module[1] & 0xFF) == 0x8b
        && module[2] == 0x08) {
      wasm = gunzip(module, method);
    }
    if (wasm.length > MAX_MODULE_SIZE) {
      throw Rejects.invalid(method, "Wasm module is " + wasm.length + " bytes uncompressed;"
          + " the limit is " + MAX_MODULE_SIZE, "IC0505");
    }
    if (wasm.length < 8 || wasm[0] != 0 || wasm[1] != 0x61 || wasm[2] != 0x73 || wasm[3] != 0x6d) {
      throw Rejects.invalid(method, "Wasm module is not valid: it does not start with the"
          + " WebAssembly magic \\0asm", "IC0505");
    }
    try {
      Parser.parse(wasm);
    } catch (RuntimeException e) {
      throw Rejects.invalid(method, "Wasm module could not be decoded: " + e.getMessage(),
          "IC0505");
    }
    // Custom sections, counted and measured from the raw section headers (id 0, then a LEB128
    // size, then the name): the limits are on their bytes as they stand in the module.
    int customCount = 0;
    long customSize = 0;
    boolean eop = false;
    int pos = 8;
    while (pos < wasm.length) {
      int id = wasm[pos++] & 0xFF;
      long size = 0;
      int shift = 0;
      int b;
      do {
        b = wasm[pos++] & 0xFF;
        size |= (long) (b & 0x7f) << shift;
        shift += 7;
      } while ((b & 0x80) != 0);
      if (id == 0) {
        int p = pos;
        int nameLen = 0;
        shift = 0;
        do {
          b = wasm[p++] & 0xFF;
          nameLen |= (b & 0x7f) << shift;
          shift += 7;
        } while ((b & 0x80) != 0);
        String name = new String(wasm, p, nameLen, java.nio.charset.StandardCharsets.UTF_8);
        if (!name.equals("name")) {
          // The "name" section is debug information, not one of the canister's custom sections.
          customCount++;
          customSize += size;
          eop |= name.equals(EOP_SECTION);
        }
      }
      pos += (int) size;
    }
    if (customCount > MAX_CUSTOM_SECTIONS) {
      throw Rejects.invalid(method, "Wasm module has " + customCount + " custom sections; at most "
          + MAX_CUSTOM_SECTIONS + " are allowed", "IC0505");
    }
    if (customSize > MAX_CUSTOM_SECTIONS_SIZE) {
      throw Rejects.invalid(method, "Wasm module's custom sections take " + customSize
          + " bytes; at most " + MAX_CUSTOM_SECTIONS_SIZE + " are allowed", "IC0505");
    }
    return new Checked(wasm, eop);
  }

  private static byte[] gunzip(byte[] gz, String method) {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz), 64 * 1024)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(gz.length * 2);
      byte[] buf = new byte[64 * 1024];
      int n;
      while ((n = in.read(buf)) > 0) {
        // Stop a gzip bomb at the limit instead of inflating it whole.
        if (out.size() + n > MAX_MODULE_SIZE) {
          throw Rejects.invalid(method, "Wasm module decompresses to more than "
              + MAX_MODULE_SIZE + " bytes", "IC0505");
        }
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw Rejects.invalid(method, "Wasm module is not valid gzip: " + e.getMessage(), "IC0505");
    }
  }
}
