/**
 * Canister modules built in Java: a small WebAssembly binary writer and the demo's target
 * canister, v1 and v2.
 */
@NullMarked
package org.icupgrade.replica.demo;

import org.jspecify.annotations.NullMarked;
