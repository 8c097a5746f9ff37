package org.icupgrade.replica.internal;

import java.io.DataOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * A chunk in a canister's chunk store: {@code length} bytes of {@code array} from {@code
 * offset}, never written. Usually a view of the argument of the {@code upload_chunk} call that
 * stored it (the replica's own copy of what it received, which the call log also records), so
 * that a chunk is held once however many places refer to it.
 */
record Chunk(byte[] array, int offset, int length) {
  Chunk {
    Objects.checkFromIndexSize(offset, length, array.length);
  }

  /** A chunk of all of {@code bytes}, which no one writes to afterwards. */
  static Chunk of(byte[] bytes) {
    return new Chunk(bytes, 0, bytes.length);
  }

  void update(MessageDigest md) {
    md.update(array, offset, length);
  }

  void copyTo(byte[] dst, int at) {
    System.arraycopy(array, offset, dst, at, length);
  }

  /** Its bytes, copied. */
  byte[] bytes() {
    byte[] b = new byte[length];
    copyTo(b, 0);
    return b;
  }

  /** Writes its length (an int) and its bytes. */
  void writeTo(DataOutputStream out) throws IOException {
    out.writeInt(length);
    out.write(array, offset, length);
  }
}
