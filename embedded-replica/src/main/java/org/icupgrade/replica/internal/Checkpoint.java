package org.icupgrade.replica.internal;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import org.icupgrade.core.Principal;

/**
 * A canister's code state as a later rollback returns to it (a snapshot, an upgrade that
 * failed): the heap, the globals, stable memory and certified data. The memories are frozen
 * views that share their pages with the canister ({@link Pages}): taking one copies the page
 * references, and a page is copied only when the canister next writes it.
 */
record Checkpoint(PageSnapshot memory, Globals globals, PageSnapshot stable, byte[] certified) {
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
    JournaledMemory m = w.heap();
    PageSnapshot mem = m == null ? PageSnapshot.EMPTY : m.freeze();
    return new Checkpoint(mem, Globals.of(w.instance()), w.stable().freeze(),
        w.certifiedData().clone());
  }

  /** The heap's size in pages when this was taken. */
  int pages() {
    return memory.size();
  }

  void restore(WasmCanister w) {
    w.start(Principal.MANAGEMENT_CANISTER);
    Memory m = w.instance().memory();
    if (m != null) {
      // Shared, not copied: the canister copies a page when it writes it, so this state may be
      // restored again (a snapshot loaded twice).
      ((JournaledMemory) m).replaceContents(memory);
    }
    globals.restore(w.instance());
    w.stable().restore(stable);
    w.certifiedData(certified.clone());
  }
}
