package org.icupgrade.candid.internal;

import java.util.Arrays;
import java.util.Objects;

/**
 * A {@code blob} where it lies in the message it was decoded from, not copied: {@code length}
 * bytes of {@code source} from {@code offset}. A decoder asked for views
 * ({@link Fields#ofViews}) gives these, so that a caller keeping a large blob (a replica's chunk
 * store keeping an {@code upload_chunk}'s chunk) can keep the message it has anyway rather than
 * a copy. Nobody may write to {@code source}.
 */
public record BlobView(byte[] source, int offset, int length) {
  public BlobView {
    Objects.checkFromIndexSize(offset, length, source.length);
  }

  /** The bytes, copied. */
  public byte[] copy() {
    return Arrays.copyOfRange(source, offset, offset + length);
  }
}
