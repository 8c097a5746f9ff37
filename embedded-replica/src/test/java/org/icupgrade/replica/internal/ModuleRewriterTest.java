package org.icupgrade.replica.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.DataSegment;
import java.io.IOException;
import java.util.Arrays;
import org.icupgrade.replica.SyntheticWasm;
import org.junit.jupiter.api.Test;

/**
 * One pass lowers and meters a module, and leaves out of the parser's input what it need not
 * copy.
 */
class ModuleRewriterTest {
  @Test
  void onePass_writesWhatLoweringThenMeteringWrite() throws IOException {
    byte[] eop = Memory64LoweringTest.counter();
    ModuleRewriter.Rewritten once = ModuleRewriter.rewrite(eop, true, true, false);
    Metering.Instrumented twice = Metering.instrument(Memory64Lowering.lower(eop));
    assertArrayEquals(twice.wasm(), once.wasm());
    assertEquals(twice.counterGlobal(), once.counterGlobal());
    assertTrue(once.counterGlobal() >= 0);
  }

  @Test
  void forParser_leavesTheDataOut_andTheParserTakesItFromTheModule() {
    byte[] big = SyntheticWasm.ofSize(3 * 1024 * 1024, 11);
    ModuleRewriter.Rewritten r = ModuleRewriter.rewrite(big, false, true, true);
    assertTrue(r.wasm().length < 1024, "the rewritten module is " + r.wasm().length + " bytes");
    assertEquals(1, r.segments().size());
    WasmModule m = ModuleParser.parse(r, big);
    DataSegment segment = m.dataSection().getDataSegment(0);
    int[] at = r.segments().get(0);
    assertArrayEquals(Arrays.copyOfRange(big, at[0], at[0] + at[1]), segment.data());
    assertTrue(segment.data().length > 3 * 1024 * 1024 - 64);
  }

  @Test
  void forParser_dropsCustomSections_butAStandaloneLoweringKeepsThem() throws IOException {
    byte[] eop = Memory64LoweringTest.counter();
    int customs = customSections(eop);
    assertTrue(customs > 0, "the EOP module declares itself in a custom section");
    assertEquals(customs, customSections(Memory64Lowering.lower(eop)));
    assertEquals(0, customSections(ModuleRewriter.rewrite(eop, true, false, true).wasm()));
  }

  static int customSections(byte[] wasm) {
    int n = 0;
    int[] pos = {8};
    while (pos[0] < wasm.length) {
      int id = wasm[pos[0]++] & 0xff;
      long size = 0;
      int shift = 0;
      int b;
      do {
        b = wasm[pos[0]++] & 0xff;
        size |= (long) (b & 0x7f) << shift;
        shift += 7;
      } while ((b & 0x80) != 0);
      n += id == 0 ? 1 : 0;
      pos[0] += (int) size;
    }
    return n;
  }
}
