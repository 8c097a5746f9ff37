package org.icupgrade.replica.internal;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import org.icupgrade.core.Principal;

/**
 * A canister's code state as a later rollback returns to it (a snapshot, an upgrade that
 * failed): the heap, the globals, stable memory and certified data, all copied.
 */
record Checkpoint(byte[] memory, Globals globals, byte[] stable, byte[] certified, int pages) {
  /** The values of an instance's globals. */
  record Globals(long[] low, long[] high) {
    static Globals of(Instance instance) {
      int g = instance.globalCount();
      long[] lo = new long[g];
      long[] hi = new long[g];
      for (int i = 0; i < g; i++) {
        lo[i] = instance.global(i).getValueLow();
        hi[i] = instance.global(i).getValueHigh();
      }
      return new Globals(lo, hi);
    }

    void restore(Instance instance) {
      for (int i = 0; i < low.length; i++) {
        instance.global(i).setValueLow(low[i]);
        instance.global(i).setValueHigh(high[i]);
      }
    }
  }

  static Checkpoint of(WasmCanister w) {
    Memory m = w.instance().memory();
    int pages = m == null ? 0 : m.pages();
    byte[] mem = m == null ? new byte[0] : m.readBytes(0, pages * WasmCanister.PAGE);
    return new Checkpoint(mem, Globals.of(w.instance()), w.stable().bytes().clone(),
        w.certifiedData().clone(), pages);
  }

  void restore(WasmCanister w) {
    w.start(Principal.MANAGEMENT_CANISTER);
    Memory m = w.instance().memory();
    if (m != null) {
      ((JournaledMemory) m).replaceContents(pages, memory);
    }
    globals.restore(w.instance());
    // Copies: a snapshot's state may be restored more than once.
    w.stable().replace(stable.clone());
    w.certifiedData(certified.clone());
  }
}
