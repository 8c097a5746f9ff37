package org.icupgrade.replica.internal;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.jspecify.annotations.Nullable;

/**
 * Checks a module the way the IC does before installing it (interface spec, "Canister module
 * format" and "WebAssembly module requirements"), and answers what the install needs to know
 * about it (whether it declares enhanced orthogonal persistence).
 */
final class ModuleValidator {
  /**
   * Largest WASM module, uncompressed (the IC's resource limits: a Wasm module, once
   * decompressed, may be up to 100 MiB).
   */
  static final int MAX_MODULE_SIZE = 100 * 1024 * 1024;
  /**
   * At most 16 exported custom sections, those whose names start with {@code icp:} (spec,
   * "WebAssembly module requirements"). Other custom sections (name, producers, debug
   * information) are not counted.
   */
  static final int MAX_CUSTOM_SECTIONS = 16;
  /**
   * The exported custom sections take at most 1 MiB: the names after {@code icp:public } or
   * {@code icp:private } plus the contents (same section).
   */
  static final int MAX_CUSTOM_SECTIONS_SIZE = 1024 * 1024;
  /**
   * The code section takes at most 11 MiB. Not in the interface spec: the IC's own limit (raised
   * from the 10 MiB the resource-limits page gives to 11 MiB by dfinity/ic pull request 4012;
   * its rejection reads "Wasm module code section size of N exceeds the maximum allowed size of
   * 11534336"). The higher value is used so that nothing the IC accepts is refused here.
   */
  static final int MAX_CODE_SECTION_SIZE = 11 * 1024 * 1024;
  /** At most 50,000 functions (same section). */
  static final int MAX_FUNCTIONS = 50_000;
  /** At most 1,000 globals (same section). */
  static final int MAX_GLOBALS = 1_000;
  /** At most 1,000 exported update, query and composite query methods (same section). */
  static final int MAX_METHODS = 1_000;
  /** Their names take at most 20,000 bytes together (same section). */
  static final int MAX_METHOD_NAMES_SIZE = 20_000;
  /**
   * The most main memory a wasm32 canister may have: 4 GiB, 65,536 pages (the IC's resource
   * limits, "Wasm heap memory, per canister": 4 GiB for wasm32; the WebAssembly spec's limit
   * for a 32-bit memory).
   */
  static final long WASM32_MAX_PAGES = 65_536;
  /** The custom section by which a Motoko module declares enhanced orthogonal persistence. */
  static final String EOP_SECTION = "icp:private enhanced-orthogonal-persistence";

  private static final String PUBLIC = "icp:public ";
  private static final String PRIVATE = "icp:private ";
  /** Spec, "Entry points": the only other canister_ exports, all of type () -> (). */
  private static final Set<String> SYSTEM_EXPORTS = Set.of("canister_init",
      "canister_inspect_message", "canister_pre_upgrade", "canister_post_upgrade",
      "canister_heartbeat", "canister_on_low_wasm_memory", "canister_global_timer");
  private static final String[] METHOD_PREFIXES = {
      "canister_update ", "canister_query ", "canister_composite_query "};

  private ModuleValidator() {}

  /**
   * What validation learned about a module: the decoded module (which the canister
   * instantiates, so that a module is decoded once per install) and whether it is EOP. It keeps
   * no copy of the module's bytes (a {@link ModuleCode} shares one per distinct module).
   */
  record Checked(WasmModule module, boolean enhancedOrthogonalPersistence,
      boolean memory64, int counterGlobal, @Nullable String unmetered,
      @Nullable SegmentBytes data) {
    /**
     * Without {@code data}: Chicory's data segments hold their bytes. With it, they hold none and
     * the bytes are in the module ({@link ModuleSkeleton}).
     */
    Checked(WasmModule module, boolean enhancedOrthogonalPersistence, boolean memory64,
        int counterGlobal, @Nullable String unmetered) {
      this(module, enhancedOrthogonalPersistence, memory64, counterGlobal, unmetered, null);
    }

    /** Whether {@link #module()} carries {@link Metering}'s instruction counter. */
    boolean metered() {
      return counterGlobal >= 0;
    }
  }

  /** {@link #check(byte[], String, long, boolean)}, instrumented with the counter. */
  static Checked check(byte[] module, String method, long heapBudget) {
    return check(module, method, heapBudget, true);
  }

  /**
   * Validates {@code module} as installed (raw or gzip) for {@code method}; throws the IC's
   * rejection ({@code CANISTER_ERROR}, {@code IC0505}) when it would not install, or when its
   * initial main memory is more than {@code heapBudget} bytes, the most this replica gives one
   * canister. With {@code meter}, the module decoded is the one {@link Metering} instruments
   * (after {@link Memory64Lowering}), so that it can run compiled; a module the rewrite cannot
   * handle is decoded as it is and {@link Checked#unmetered()} says why. Either way the module
   * is decoded once.
   */
  static Checked check(byte[] module, String method, long heapBudget, boolean meter) {
    Checked checked = decode(module, method, meter);
    checkMemory(checked.module(), method, heapBudget);
    return checked;
  }

  /**
   * {@link #check(byte[], String, long, boolean)} but for the heap budget, which is the
   * replica's, not the module's: the result depends on the bytes and {@code meter} alone, so
   * that {@link ModuleCode} may share it between replicas; {@link #checkMemory} then checks it
   * against each replica's budget.
   */
  static Checked decode(byte[] module, String method, boolean meter) {
    return decode(ModuleBytes.of(module), method, meter);
  }

  /**
   * As {@link #decode(byte[], String, boolean)} for a module read where it lies (its chunks):
   * what is decoded is its {@link ModuleSkeleton}, and the data segments' bytes stay in the
   * module ({@link Checked#data()}), so that decoding a module of 100 MiB of data copies its
   * code, not its data. A module whose headers the skeleton cannot read is decoded joined.
   */
  static Checked decode(ModuleBytes module, String method, boolean meter) {
    if (module.length() == 0) {
      throw invalid(method, "Wasm module is empty: it has no bytes");
    }
    ModuleBytes source = webAssembly(module, method);
    if (source.length() > MAX_MODULE_SIZE) {
      throw invalid(method, "Wasm module is " + source.length() + " bytes uncompressed; the"
          + " limit is " + MAX_MODULE_SIZE);
    }
    // Spec, "IC method install_code": a raw module starts with \0asm.
    if (source.length() < 8 || source.byteAt(0) != 0 || source.byteAt(1) != 0x61
        || source.byteAt(2) != 0x73 || source.byteAt(3) != 0x6d) {
      throw invalid(method, "Wasm module is not valid: it does not start with the WebAssembly"
          + " magic \\0asm (nor with the gzip magic 1f 8b 08)");
    }
    ModuleSkeleton.Skeleton skeleton = ModuleSkeleton.of(source);
    if (skeleton == null) {
      return decodeWasm(source.toArray(), method, meter, null);
    }
    Checked checked = decodeWasm(skeleton.wasm(), method, meter, skeleton.data());
    if (declaresArrays(checked.module())) {
      // WebAssembly GC's array.new_data and array.init_data read a segment's bytes from
      // Chicory's segments (Instance.dataSegmentData), not through the memory: such a module
      // keeps its bytes there.
      return decodeWasm(source.toArray(), method, meter, null);
    }
    return checked;
  }

  private static boolean declaresArrays(WasmModule m) {
    for (int i = 0; i < m.typeSection().subTypeCount(); i++) {
      if (m.typeSection().getSubType(i).compType().arrayType() != null) {
        return true;
      }
    }
    return false;
  }

  /**
   * Decodes a WebAssembly binary; with {@code data}, a skeleton whose data segments' bytes are
   * there.
   */
  private static Checked decodeWasm(byte[] wasm, String method, boolean meter,
      @Nullable SegmentBytes data) {
    checkCodeSectionSize(wasm, method);
    WasmModule parsed;
    boolean memory64;
    int counter = -1;
    String unmetered = meter ? null : "the interpreter was asked for";
    try {
      // A 64-bit memory (memory64, moc's enhanced orthogonal persistence) is lowered to the
      // 32-bit module Chicory runs; the module hash stays that of the installed bytes.
      memory64 = Memory64Lowering.isMemory64(wasm);
      WasmModule instrumented = null;
      if (meter) {
        // The IC instruments a module before it compiles it; so does this replica: the counter
        // is what lets Chicory's compiler, which has no per-instruction hook, meter a message.
        // One pass lowers and instruments it (ModuleRewriter).
        try {
          ModuleRewriter.Rewritten m = ModuleRewriter.rewrite(wasm, memory64, true, true);
          instrumented = ModuleParser.parse(m, wasm);
          counter = m.counterGlobal();
        } catch (Memory64Lowering.Unsupported e) {
          throw e;
        } catch (RuntimeException e) {
          // Instructions the rewrite does not know (SIMD), or a module that is not valid (then
          // the plain parse below says why, in the parser's words).
          unmetered = "the metering rewrite refused it: " + e.getMessage();
        }
      }
      parsed = instrumented != null ? instrumented
          : memory64 ? ModuleParser.parse(ModuleRewriter.rewrite(wasm, true, false, true), wasm)
          : ModuleParser.parse(wasm);
    } catch (Memory64Lowering.Unsupported e) {
      throw invalid(method, "Wasm module uses a 64-bit memory with an instruction the embedded"
          + " replica cannot run: " + e.getMessage());
    } catch (RuntimeException e) {
      throw invalid(method, "Wasm module could not be decoded: " + e.getMessage());
    }
    boolean eop = checkSections(wasm, method);
    checkDeclarations(parsed, counter >= 0 ? 1 : 0, method);
    checkMemory(parsed, method, WASM32_MAX_PAGES * 65_536);
    checkExports(parsed, method);
    if (data != null) {
      int decoded = parsed.dataSection().dataSegmentCount();
      if (decoded != data.count()) {
        throw new IllegalStateException("data segments: " + data.count() + " read, " + decoded
            + " decoded");
      }
    }
    return new Checked(parsed, eop, memory64, counter, unmetered, data);
  }

  /**
   * The declared main memory: the IC gives a wasm32 canister at most 4 GiB ({@link
   * #WASM32_MAX_PAGES}; IC resource limits, "Wasm heap memory"), so a module declaring more
   * initial pages is refused. This replica holds a canister's heap in one Java array and
   * allocates the initial pages at once, so it also refuses, with a reject saying so, a module
   * whose initial memory exceeds its heap budget (which the IC would install): a test must not
   * end in an {@code OutOfMemoryError}. A declared maximum above the budget is fine: growing past
   * the budget fails as {@code memory.grow} may (it returns -1).
   */
  static void checkMemory(WasmModule m, String method, long heapBudget) {
    if (m.memorySection().isEmpty() || m.memorySection().get().memoryCount() == 0) {
      return;
    }
    MemoryLimits limits = m.memorySection().get().getMemory(0).limits();
    long initial = Integer.toUnsignedLong(limits.initialPages());
    if (initial > WASM32_MAX_PAGES) {
      throw invalid(method, "Wasm module declares an initial memory of " + initial + " pages;"
          + " a wasm32 canister has at most " + WASM32_MAX_PAGES + " pages (4 GiB)");
    }
    if (initial * 65_536 > heapBudget) {
      throw invalid(method, "Wasm module declares an initial memory of " + initial + " pages ("
          + initial * 65_536 + " bytes), more than the embedded replica's heap budget of "
          + heapBudget + " bytes per canister; the IC would give it, but this replica bounds"
          + " what one canister may hold in the JVM's heap: start the replica with a larger heap budget"
          + " (EmbeddedReplica.start(clock, limits, heapBudget), at most "
          + MAX_HEAP_BUDGET + " bytes) or declare less initial memory");
    }
  }

  /**
   * The largest heap budget: Chicory's memory interface addresses at most 32,767 whole pages
   * (2 GiB less 64 KiB).
   */
  static final long MAX_HEAP_BUDGET = org.icupgrade.replica.EmbeddedReplica.MAX_HEAP_BUDGET;

  /**
   * Spec, "WebAssembly module requirements": custom sections named {@code icp:...} must be
   * {@code icp:public <name>} or {@code icp:private <name>}, no name both public and private, at
   * most 16 of them, at most 1 MiB of names and contents. Read from the raw section headers,
   * since the limits are on the bytes as they stand in the module; the module has already
   * parsed, so the headers are well formed. Returns whether the module declares EOP.
   */
  private static boolean checkSections(byte[] wasm, String method) {
    int count = 0;
    long size = 0;
    boolean eop = false;
    Set<String> publicNames = new HashSet<>();
    Set<String> privateNames = new HashSet<>();
    for (CustomSection section : customSections(wasm)) {
      String name = section.name();
      long contentLength = section.end() - section.content();
      if (name.startsWith("icp:")) {
        String exported;
        if (name.startsWith(PUBLIC)) {
          exported = name.substring(PUBLIC.length());
          publicNames.add(exported);
        } else if (name.startsWith(PRIVATE)) {
          exported = name.substring(PRIVATE.length());
          privateNames.add(exported);
        } else {
          throw invalid(method, "Wasm module has an invalid custom section '" + name
              + "': names starting with icp: must be 'icp:public <name>' or"
              + " 'icp:private <name>'");
        }
        if (publicNames.contains(exported) && privateNames.contains(exported)) {
          throw invalid(method, "Wasm module has both 'icp:public " + exported + "' and"
              + " 'icp:private " + exported + "'; a custom section is public or private");
        }
        count++;
        size += exported.getBytes(StandardCharsets.UTF_8).length + contentLength;
        eop |= name.equals(EOP_SECTION);
      }
    }
    if (count > MAX_CUSTOM_SECTIONS) {
      throw invalid(method, "Wasm module has " + count + " exported custom sections (icp:public"
          + " or icp:private); at most " + MAX_CUSTOM_SECTIONS + " are allowed");
    }
    if (size > MAX_CUSTOM_SECTIONS_SIZE) {
      throw invalid(method, "Wasm module's exported custom sections take " + size + " bytes;"
          + " at most " + MAX_CUSTOM_SECTIONS_SIZE + " are allowed");
    }
    return eop;
  }

  /**
   * The content of the exported custom section {@code icp:public <name>} or
   * {@code icp:private <name>} of an installed (hence valid) module, raw or gzip, with whether it
   * is private; null when the module has neither.
   */
  static @Nullable Section exportedSection(byte[] module, String name) {
    return exportedSection(ModuleBytes.of(module), name);
  }

  /** As {@link #exportedSection(byte[], String)}, read a section header at a time. */
  static @Nullable Section exportedSection(ModuleBytes module, String name) {
    return exportedSections(module, name).get(name);
  }

  /**
   * Every exported custom section of {@code module} ({@code icp:public <name>} and {@code
   * icp:private <name>}) by name, in the module's order; the first of a name wins.
   */
  static Map<String, Section> exportedSections(ModuleBytes module) {
    return exportedSections(module, null);
  }

  /** The exported sections, or only the one named {@code only} when it is not null. */
  private static Map<String, Section> exportedSections(ModuleBytes module, @Nullable String only) {
    ModuleBytes wasm = webAssembly(module, "read_state");
    Map<String, Section> out = new LinkedHashMap<>();
    ModuleBytes.Cursor r = wasm.new Cursor(8);
    while (!r.atEnd()) {
      int id = r.u8();
      long size = r.u32();
      int end = (int) (r.pos + size);
      if (id == 0) {
        int nameLength = (int) r.u32();
        String n = new String(wasm.copyOfRange(r.pos, r.pos + nameLength),
            StandardCharsets.UTF_8);
        String name = n.startsWith(PUBLIC) ? n.substring(PUBLIC.length())
            : n.startsWith(PRIVATE) ? n.substring(PRIVATE.length()) : null;
        if (name != null && (only == null || only.equals(name)) && !out.containsKey(name)) {
          out.put(name, new Section(wasm.copyOfRange(r.pos + nameLength, end),
              n.startsWith(PRIVATE)));
          if (only != null) {
            return out;
          }
        }
      }
      r.pos = end;
    }
    return out;
  }

  /**
   * The WebAssembly binary of a module as installed. Spec, "Canister module format": a module
   * starting with 1f 8b 08 is a gzip stream whose content is parsed as the WebAssembly binary.
   */
  static byte[] webAssembly(byte[] module, String method) {
    return webAssembly(ModuleBytes.of(module), method).toArray();
  }

  /** As {@link #webAssembly(byte[], String)}, for a module as installed from its chunks. */
  static ModuleBytes webAssembly(ModuleBytes module, String method) {
    return module.isGzip()
        ? ModuleBytes.of(gunzip(module.inputStream(), module.length(), method)) : module;
  }

  /** A custom section of a module: its name and where its content starts and ends. */
  private record CustomSection(String name, int content, int end) {}

  /**
   * The custom sections of a module that has parsed (so its section headers are well formed),
   * in order, read from the raw headers.
   */
  private static List<CustomSection> customSections(byte[] wasm) {
    List<CustomSection> sections = new ArrayList<>();
    int[] pos = {8};
    while (pos[0] < wasm.length) {
      int id = wasm[pos[0]++] & 0xFF;
      long sectionSize = readUnsigned(wasm, pos);
      int end = (int) (pos[0] + sectionSize);
      if (id == 0) {
        int nameLength = (int) readUnsigned(wasm, pos);
        String name = new String(wasm, pos[0], nameLength, StandardCharsets.UTF_8);
        sections.add(new CustomSection(name, pos[0] + nameLength, end));
      }
      pos[0] = end;
    }
    return sections;
  }


  /** An exported custom section's content, and whether it is {@code icp:private}. */
  record Section(byte[] content, boolean isPrivate) {}

  /**
   * Refuses a code section over {@link #MAX_CODE_SECTION_SIZE} from its header alone, before the
   * module is parsed (parsing 11 MiB of code costs far more than the bytes). Stops quietly at a
   * malformed header: the parser reports those.
   */
  private static void checkCodeSectionSize(byte[] wasm, String method) {
    int[] pos = {8};
    while (pos[0] < wasm.length) {
      int id = wasm[pos[0]++] & 0xFF;
      long size = readUnsignedBounded(wasm, pos);
      if (size < 0) {
        return;
      }
      if (id == 10 && size > MAX_CODE_SECTION_SIZE) {
        throw invalid(method, "Wasm module code section size of " + size + " exceeds the maximum"
            + " allowed size of " + MAX_CODE_SECTION_SIZE + "; shrink the code (optimised build,"
            + " ic-wasm shrink) or split the canister");
      }
      pos[0] += (int) Math.min(size, Integer.MAX_VALUE - pos[0]);
    }
  }

  /** An unsigned LEB128 of at most 5 bytes, or -1 when it runs off the end or is longer. */
  private static long readUnsignedBounded(byte[] bytes, int[] pos) {
    long value = 0;
    for (int i = 0; i < 5; i++) {
      if (pos[0] >= bytes.length) {
        return -1;
      }
      int b = bytes[pos[0]++] & 0xFF;
      value |= (long) (b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    return -1;
  }

  /** Spec, "WebAssembly module requirements": one memory, 50,000 functions, 1,000 globals. */
  private static void checkDeclarations(WasmModule m, int addedGlobals, String method) {
    int memories = m.importSection().count(ExternalType.MEMORY)
        + m.memorySection().map(s -> s.memoryCount()).orElse(0);
    if (memories > 1) {
      throw invalid(method, "Wasm module declares " + memories + " memories; a canister may"
          + " declare (import or define) at most one");
    }
    if (m.functionSection().functionCount() > MAX_FUNCTIONS) {
      throw invalid(method, "Wasm module declares " + m.functionSection().functionCount()
          + " functions; at most " + MAX_FUNCTIONS + " are allowed");
    }
    // The instruction counter Metering adds is the replica's, not the module's.
    int globals = m.globalSection().globalCount() - addedGlobals;
    if (globals > MAX_GLOBALS) {
      throw invalid(method, "Wasm module declares " + globals
          + " globals; at most " + MAX_GLOBALS + " are allowed");
    }
  }

  /**
   * Spec, "WebAssembly module requirements" and "Entry points": the canister_ exports are the
   * listed system entry points and {@code canister_update|query|composite_query <name>}, all of
   * type {@code () -> ()}; a method name is exported once (formal model, "Code installation":
   * update, query and composite query names are disjoint); at most 1,000 methods with at most
   * 20,000 bytes of names.
   */
  private static void checkExports(WasmModule m, String method) {
    Set<String> methods = new HashSet<>();
    long namesSize = 0;
    for (int i = 0; i < m.exportSection().exportCount(); i++) {
      Export e = m.exportSection().getExport(i);
      if (e.exportType() != ExternalType.FUNCTION || !e.name().startsWith("canister_")) {
        continue;
      }
      String methodName = null;
      for (String prefix : METHOD_PREFIXES) {
        if (e.name().startsWith(prefix)) {
          methodName = e.name().substring(prefix.length());
        }
      }
      if (methodName == null && !SYSTEM_EXPORTS.contains(e.name())) {
        throw invalid(method, "Wasm module exports an invalid function '" + e.name()
            + "': the only canister_ exports are the system entry points and"
            + " 'canister_update|canister_query|canister_composite_query <name>'");
      }
      if (!FunctionType.empty().equals(functionType(m, e.index()))) {
        throw invalid(method, "Wasm module exports '" + e.name() + "' with type "
            + functionType(m, e.index()) + "; entry points must have type () -> ()");
      }
      if (methodName != null) {
        if (!methods.add(methodName)) {
          throw invalid(method, "Wasm module exports the method '" + methodName + "' more"
              + " than once (as update, query or composite query)");
        }
        namesSize += methodName.getBytes(StandardCharsets.UTF_8).length;
      }
    }
    if (methods.size() > MAX_METHODS) {
      throw invalid(method, "Wasm module exports " + methods.size() + " methods; at most "
          + MAX_METHODS + " are allowed");
    }
    if (namesSize > MAX_METHOD_NAMES_SIZE) {
      throw invalid(method, "Wasm module's exported method names take " + namesSize
          + " bytes; at most " + MAX_METHOD_NAMES_SIZE + " are allowed");
    }
  }

  private static FunctionType functionType(WasmModule m, int function) {
    int imported = 0;
    for (int i = 0; i < m.importSection().importCount(); i++) {
      Import imp = m.importSection().getImport(i);
      if (imp.importType() == ExternalType.FUNCTION) {
        if (imported == function) {
          return m.typeSection().getType(((FunctionImport) imp).typeIndex());
        }
        imported++;
      }
    }
    return m.typeSection().getType(m.functionSection().getFunctionType(function - imported));
  }

  private static long readUnsigned(byte[] bytes, int[] pos) {
    long value = 0;
    int shift = 0;
    int b;
    do {
      b = bytes[pos[0]++] & 0xFF;
      value |= (long) (b & 0x7f) << shift;
      shift += 7;
    } while ((b & 0x80) != 0);
    return value;
  }

  private static byte[] gunzip(InputStream gz, int length, String method) {
    try (InputStream in = new GZIPInputStream(gz, 64 * 1024)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(
          (int) Math.min(MAX_MODULE_SIZE, 2L * length));
      byte[] buf = new byte[64 * 1024];
      int n;
      while ((n = in.read(buf)) > 0) {
        // Stop a gzip bomb at the limit instead of inflating it whole.
        if (out.size() + n > MAX_MODULE_SIZE) {
          throw invalid(method, "Wasm module decompresses to more than " + MAX_MODULE_SIZE
              + " bytes");
        }
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw invalid(method, "Wasm module is not valid gzip: " + e.getMessage());
    }
  }

  private static org.icupgrade.core.CanisterRejectException invalid(String method, String why) {
    // IC0505: the IC's error code for an invalid Wasm module (a CANISTER_ERROR).
    return Rejects.invalid(method, why, "IC0505");
  }
}
