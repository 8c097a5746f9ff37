package org.icupgrade.replica;

/**
 * How the embedded replica runs a canister's WebAssembly code. Either way a message is metered
 * against the same {@link InstructionLimits}, stops with {@code IC0522} when it goes over, and
 * gives the same replies and traps.
 */
public enum ExecutionMode {
  /**
   * The IC's way: the module is instrumented once at install with an instruction counter
   * decremented per straight-line block of code, then compiled to JVM bytecode by Chicory's
   * compiler. The default; tens of times faster than {@link #INTERPRETED}.
   */
  COMPILED,
  /**
   * Chicory's interpreter. Asked for, it runs the module as installed and counts every
   * instruction it executes, the replica's reference count; as a fallback (a module the
   * instrumentation or the compiler cannot handle) it runs whatever the install could prepare.
   */
  INTERPRETED
}
