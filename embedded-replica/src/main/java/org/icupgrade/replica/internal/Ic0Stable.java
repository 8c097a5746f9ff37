package org.icupgrade.replica.internal;

import static org.icupgrade.replica.internal.SystemApi.i;
import static org.icupgrade.replica.internal.SystemApi.none;

/**
 * The ic0 functions of stable memory ({@link StableMemory}), 64-bit and the legacy 32-bit ones.
 * Types and contexts are transcribed from the spec's table, in its letters.
 */
final class Ic0Stable {
  private Ic0Stable() {}

  static void define(SystemApi.Table t) {
    t.def("stable64_size", "->i64", "* s", (s, a) -> i(stable(s).pages()));
    t.def("stable64_grow", "i64->i64", "* s", (s, a) -> i(stable(s).grow(a[0], Long.MAX_VALUE)));
    t.def("stable64_write", "i64,i64,i64->", "* s", Ic0Stable::write);
    t.def("stable64_read", "i64,i64,i64->", "* s", Ic0Stable::read);
    // Only for 32-bit memories, which are the only ones here.
    t.def("stable_size", "->i32", "* s", (s, a) -> i(stable(s).pages()));
    t.def("stable_grow", "i32->i32", "* s", (s, a) -> i(stable(s).grow(a[0], 65_536 - 1)));
    t.def("stable_write", "i32,i32,i32->", "* s", Ic0Stable::write);
    t.def("stable_read", "i32,i32,i32->", "* s", Ic0Stable::read);
  }

  private static StableMemory stable(SystemCall s) {
    return s.canister().stable();
  }

  /** {@code (offset, src, size)}: from the heap to stable memory. */
  private static long[] write(SystemCall s, long[] a) {
    stable(s).write(s.mem(), a[0], a[1], a[2], s.name());
    return none();
  }

  /** {@code (dst, offset, size)}: from stable memory to the heap. */
  private static long[] read(SystemCall s, long[] a) {
    stable(s).read(s.mem(), a[0], a[1], a[2], s.name());
    return none();
  }
}
