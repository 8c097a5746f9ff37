/**
 * How the library makes IC calls: one {@link org.icupgrade.core.calls.RetryPolicy} that every
 * service applies to every call it makes, and one {@link org.icupgrade.core.calls.UploadEngine}
 * that sends many uploads with bounded parallelism (WASM chunks, asset chunks).
 */
@NullMarked
package org.icupgrade.core.calls;

import org.jspecify.annotations.NullMarked;
