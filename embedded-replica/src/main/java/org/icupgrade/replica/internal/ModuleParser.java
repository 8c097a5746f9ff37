package org.icupgrade.replica.internal;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
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
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import com.dylibso.chicory.wasm.types.StartSection;
import com.dylibso.chicory.wasm.types.TableSection;
import com.dylibso.chicory.wasm.types.TagSection;
import com.dylibso.chicory.wasm.types.TypeSection;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decodes (and validates) a WASM binary into Chicory's module, once per distinct module: {@link
 * ModuleValidator} decodes it, {@link ModuleCode} keeps it, and every {@link WasmCanister}
 * running it instantiates that same module.
 *
 * <p>Goes through Chicory's section listener rather than {@code Parser.parse(byte[])}, which
 * also computes a SHA-256 digest of the whole module on the way (a digest the interpreter never
 * reads, while the replica computes the module hash itself). Chicory copies the bytes into one
 * buffer as it reads them (1 KiB at a time into a growing buffer, then a copy of that): so that
 * this costs little for a module of 100 MiB, which is mostly data segments, Chicory is given
 * {@link ModuleRewriter}'s output for the parser, with every data segment's bytes left out
 * (their headers and offsets stay), and the segments get their bytes from the module as
 * installed afterwards, each copied once. {@link ModuleValidator} gives it a {@link
 * ModuleSkeleton}, whose segments have no bytes at all: then Chicory's segments stay empty and
 * {@link JournaledMemory} reads the bytes from the module ({@link SegmentBytes}).
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
    ModuleRewriter.Rewritten stripped;
    try {
      stripped = ModuleRewriter.rewrite(wasm, false, false, true);
    } catch (RuntimeException e) {
      // Malformed: Chicory decodes the module as it is and says what is wrong.
      stripped = new ModuleRewriter.Rewritten(wasm, -1, List.of());
    }
    return parse(stripped, wasm);
  }

  /**
   * Decodes and validates {@code module}, {@link ModuleRewriter}'s output for the parser from
   * {@code source}, whose data segments' bytes it takes from {@code source}.
   *
   * @throws com.dylibso.chicory.wasm.ChicoryException when it is malformed or invalid
   */
  static WasmModule parse(ModuleRewriter.Rewritten module, byte[] source) {
    PARSES.incrementAndGet();
    List<int[]> segments = module.segments();
    byte[] stripped = module.wasm();
    byte[] wasm = source;
    WasmModule.Builder b = WasmModule.builder().withValidation(true);
    Parser.builder().withValidation(true).build().parse(new ByteArrayInputStream(stripped),
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
              b.setDataSection(withBytes((DataSection) section, wasm, segments));
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

  /** The data section with each segment's bytes taken from the module. */
  private static DataSection withBytes(DataSection stripped, byte[] wasm, List<int[]> segments) {
    if (segments.isEmpty()) {
      return stripped; // the module was decoded as it is
    }
    if (segments.size() != stripped.dataSegmentCount()) {
      throw new IllegalStateException("data segments: " + segments.size() + " read, "
          + stripped.dataSegmentCount() + " decoded");
    }
    DataSection.Builder d = DataSection.builder();
    for (int i = 0; i < segments.size(); i++) {
      int[] at = segments.get(i);
      byte[] bytes = Arrays.copyOfRange(wasm, at[0], at[0] + at[1]);
      if (stripped.getDataSegment(i) instanceof ActiveDataSegment a) {
        d.addDataSegment(new ActiveDataSegment(a.index(), a.offsetInstructions(), bytes));
      } else {
        d.addDataSegment(new PassiveDataSegment(bytes));
      }
    }
    return d.build();
  }
}
