package org.icupgrade.replica.internal;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.CodeSection;
import com.dylibso.chicory.wasm.types.CustomSection;
import com.dylibso.chicory.wasm.types.DataCountSection;
import com.dylibso.chicory.wasm.types.DataSection;
import com.dylibso.chicory.wasm.types.ElementSection;
import com.dylibso.chicory.wasm.types.ExportSection;
import com.dylibso.chicory.wasm.types.FunctionSection;
import com.dylibso.chicory.wasm.types.GlobalSection;
import com.dylibso.chicory.wasm.types.ImportSection;
import com.dylibso.chicory.wasm.types.MemorySection;
import com.dylibso.chicory.wasm.types.StartSection;
import com.dylibso.chicory.wasm.types.TableSection;
import com.dylibso.chicory.wasm.types.TagSection;
import com.dylibso.chicory.wasm.types.TypeSection;
import java.io.ByteArrayInputStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decodes (and validates) a WASM binary into Chicory's module, once per install: {@link
 * ModuleValidator} decodes it and {@link WasmCanister} instantiates that same module.
 *
 * <p>Goes through Chicory's section listener rather than {@code Parser.parse(byte[])}, which
 * also computes a SHA-256 digest of the whole module on the way (a digest the interpreter never
 * reads, while the replica computes the module hash itself). Chicory still copies the bytes into
 * one buffer as it reads them; that is inside its parser.
 */
final class ModuleParser {
  /** How many modules have been decoded in this JVM, for tests that count parses. */
  static final AtomicLong PARSES = new AtomicLong();

  private ModuleParser() {}

  /**
   * Decodes and validates {@code wasm}.
   *
   * @throws com.dylibso.chicory.wasm.ChicoryException when it is malformed or invalid
   */
  static WasmModule parse(byte[] wasm) {
    PARSES.incrementAndGet();
    WasmModule.Builder b = WasmModule.builder().withValidation(true);
    Parser.builder().withValidation(true).build().parse(new ByteArrayInputStream(wasm),
        section -> {
          switch (section.sectionId()) {
            case 0:
              CustomSection custom = (CustomSection) section;
              b.addCustomSection(custom.name(), custom);
              break;
            case 1:
              b.setTypeSection((TypeSection) section);
              break;
            case 2:
              b.setImportSection((ImportSection) section);
              break;
            case 3:
              b.setFunctionSection((FunctionSection) section);
              break;
            case 4:
              b.setTableSection((TableSection) section);
              break;
            case 5:
              b.setMemorySection((MemorySection) section);
              break;
            case 6:
              b.setGlobalSection((GlobalSection) section);
              break;
            case 7:
              b.setExportSection((ExportSection) section);
              break;
            case 8:
              b.setStartSection((StartSection) section);
              break;
            case 9:
              b.setElementSection((ElementSection) section);
              break;
            case 10:
              b.setCodeSection((CodeSection) section);
              break;
            case 11:
              b.setDataSection((DataSection) section);
              break;
            case 12:
              b.setDataCountSection((DataCountSection) section);
              break;
            case 13:
              b.setTagSection((TagSection) section);
              break;
            default:
              b.addIgnoredSection(section.sectionId());
              break;
          }
        });
    return b.build();
  }
}
