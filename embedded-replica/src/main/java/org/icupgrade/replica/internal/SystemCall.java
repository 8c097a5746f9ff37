package org.icupgrade.replica.internal;

import com.dylibso.chicory.runtime.Memory;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import org.icupgrade.replica.internal.WasmCanister.Kind;
import org.icupgrade.replica.internal.WasmCanister.Trap;
import org.jspecify.annotations.Nullable;

/**
 * One call of an ic0 function as its implementation sees it: the function's name (for the traps
 * it raises), the message that called it, the canister's heap and the canister; with the checks
 * and copies that the functions share.
 */
record SystemCall(String name, MessageState msg, Memory mem, WasmCanister canister) {
  /**
   * Spec, "Overview of imports": the message functions exist only in messages that have them;
   * the argument also in {@code canister_init} and {@code canister_post_upgrade}, and in
   * {@code canister_inspect_message} (context {@code F}), which sees the message's argument.
   */
  static final Set<Kind> WITH_ARGUMENT = EnumSet.of(
      Kind.UPDATE, Kind.QUERY, Kind.REPLY_CALLBACK, Kind.INIT, Kind.POST_UPGRADE, Kind.INSPECT);
  /** The messages that answer a call. */
  static final Set<Kind> REPLYING =
      EnumSet.of(Kind.UPDATE, Kind.QUERY, Kind.REPLY_CALLBACK, Kind.REJECT_CALLBACK);
  /** Spec, "Inter-canister method calls": updates and callbacks may call, queries may not. */
  static final Set<Kind> CALLING =
      EnumSet.of(Kind.UPDATE, Kind.REPLY_CALLBACK, Kind.REJECT_CALLBACK, Kind.TIMER);

  WasmCanister.Environment env() {
    return canister.env();
  }

  /**
   * The {@code *_copy} functions' {@code (dst, offset, size)}: copies {@code src[offset, offset +
   * size)} to the heap at {@code dst}; out of bounds traps.
   */
  long @Nullable [] copy(byte[] src, long[] a) {
    int dst = (int) a[0];
    int off = (int) a[1];
    int size = (int) a[2];
    if (off < 0 || size < 0 || off + size > src.length) {
      throw new Trap("ic0." + name + ": out of bounds (offset " + off + ", size " + size
          + ", length " + src.length + ")");
    }
    mem.write(dst, Arrays.copyOfRange(src, off, off + size));
    return null;
  }

  /** Writes a 128-bit cycle amount (here always below 2^64) to the heap at {@code dst}. */
  long @Nullable [] writeCycles(long dst, long cycles) {
    mem.writeLong((int) dst, cycles);
    mem.writeLong((int) dst + 8, 0);
    return null;
  }

  /** Writes a 128-bit cycle amount, little-endian as the spec's {@code *128} functions do. */
  long @Nullable [] writeCycles128(long dst, BigInteger cycles) {
    BigInteger mask = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    mem.writeLong((int) dst, cycles.and(mask).longValue());
    mem.writeLong((int) dst + 8, cycles.shiftRight(64).and(mask).longValue());
    return null;
  }

  /** Reads text the spec requires to be UTF-8 (a reject message, a method name); else traps. */
  String utf8(long src, long size) {
    byte[] bytes = mem.readBytes((int) src, (int) size);
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new Trap("ic0." + name + ": the text at " + src + " (" + size
          + " bytes) is not valid UTF-8");
    }
  }

  /** Traps unless the message is of one of {@code kinds}. */
  void requireIn(Set<Kind> kinds) {
    if (!kinds.contains(msg.kind)) {
      throw new Trap("ic0." + name + " cannot be called in " + msg.kind);
    }
  }

  /** Traps unless the message answers a call that is not answered yet. */
  void requireReplyable() {
    requireIn(REPLYING);
    if (msg.call.answered()) {
      throw new Trap("ic0." + name + ": the call was already replied to or rejected");
    }
  }

  /** Traps unless the message may call and has a call under construction. */
  void requirePending() {
    requireIn(CALLING);
    if (msg.newCallee == null) {
      throw new Trap("ic0." + name + " called without a call under construction (call_new)");
    }
  }
}
