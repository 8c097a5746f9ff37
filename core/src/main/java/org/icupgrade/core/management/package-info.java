/** The management canister ({@code aaaaa-aa}) as a typed Java port, and the values it speaks. */
@NullMarked
package org.icupgrade.core.management;

import org.jspecify.annotations.NullMarked;
