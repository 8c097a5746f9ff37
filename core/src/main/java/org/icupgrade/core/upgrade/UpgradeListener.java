package org.icupgrade.core.upgrade;

import org.icupgrade.core.Principal;

/** Hears which part of an upgrade begins, e.g. to show progress. No-op defaults. */
public interface UpgradeListener {
  UpgradeListener NONE = new UpgradeListener() {};

  /** The parts of an upgrade, in order. */
  enum Step {
    PREFLIGHT,
    WASM,
    FRONTEND,
    HAND_BACK
  }

  default void stepStarted(Principal canisterId, Step step) {}
}
