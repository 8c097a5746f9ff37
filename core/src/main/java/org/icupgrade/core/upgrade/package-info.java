/**
 * A whole upgrade of one canister: preflight checks, stop, snapshot, install, start, health
 * check (with rollback to the snapshot), frontend sync, and handing the temporary rights back.
 */
@NullMarked
package org.icupgrade.core.upgrade;

import org.jspecify.annotations.NullMarked;
