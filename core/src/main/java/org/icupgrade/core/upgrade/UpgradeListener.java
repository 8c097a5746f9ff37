package org.icupgrade.core.upgrade;

import org.icupgrade.core.Principal;

/** Hears which part of an upgrade begins, e.g. to show progress; a lambda will do. */
@FunctionalInterface
public interface UpgradeListener {
  /** A listener that ignores everything. */
  UpgradeListener NONE = (canisterId, step) -> {};

  /** The parts of an upgrade, in order. */
  enum Step {
    PREFLIGHT,
    WASM,
    FRONTEND,
    HAND_BACK
  }

  /** {@code step} of the upgrade of {@code canisterId} begins. */
  void stepStarted(Principal canisterId, Step step);
}
