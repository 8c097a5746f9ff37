package org.icupgrade.replica.internal;

import org.jspecify.annotations.Nullable;

/**
 * What one message may change, recorded so that a trap can undo it: the pages of main and
 * stable memory it writes (saved on first write, see {@link JournaledMemory} and {@link
 * StableMemory}), the globals, certified data, the global timer and its call's reply. Cost grows
 * with what the message writes, not with the canister's size.
 */
final class Journal {
  private final Checkpoint.Globals globals;
  private final byte[] certified;
  private final long timerDeadline;
  private final WasmCanister.CallContext call;
  private final boolean replied;
  private final @Nullable String reject;
  private final byte[] reply;

  private Journal(WasmCanister w, WasmCanister.CallContext call) {
    globals = Checkpoint.Globals.of(w.instance());
    certified = w.certifiedData(); // replaced, never written in place
    timerDeadline = w.timerDeadline();
    this.call = call;
    replied = call.replied;
    reject = call.reject;
    reply = call.reply.toByteArray();
  }

  static Journal begin(WasmCanister w, WasmCanister.CallContext call) {
    Journal j = new Journal(w, call);
    JournaledMemory m = w.heap();
    if (m != null) {
      m.begin();
    }
    w.stable().begin();
    return j;
  }

  void commit(WasmCanister w) {
    JournaledMemory m = w.heap();
    if (m != null) {
      m.commit();
    }
    w.stable().commit();
  }

  void undo(WasmCanister w) {
    undoKeepingAnswer(w);
    call.replied = replied;
    call.reject = reject;
    call.reply.reset();
    call.reply.writeBytes(reply);
  }

  void undoKeepingAnswer(WasmCanister w) {
    JournaledMemory m = w.heap();
    if (m != null) {
      m.undo();
    }
    w.stable().undo();
    globals.restore(w.instance());
    w.certifiedData(certified);
    w.timerDeadline(timerDeadline);
  }
}
