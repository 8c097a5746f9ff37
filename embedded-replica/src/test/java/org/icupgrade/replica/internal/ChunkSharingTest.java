package org.icupgrade.replica.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import org.icupgrade.candid.internal.ManagementCandid;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.ExecutionMode;
import org.icupgrade.replica.InstructionLimits;
import org.icupgrade.replica.RecordedCall;
import org.junit.jupiter.api.Test;

/**
 * A chunk is held once: the chunk store keeps a view of the replica's own copy of the
 * upload_chunk argument, the same bytes the call log records, and the caller's array is not
 * referred to (it may be reused).
 */
class ChunkSharingTest {
  static final Principal ME = Principal.fromBytes(new byte[] {1, 2, 3, 9});

  final Replica replica = new Replica(Clock.systemUTC(), InstructionLimits.IC,
      EmbeddedReplica.DEFAULT_HEAP_BUDGET, ExecutionMode.COMPILED);
  final Principal canister =
      replica.create(ME, null, BigInteger.valueOf(1_000_000_000_000L), null);

  Chunk storedChunk() {
    CanisterState c = replica.canisters().state(canister, "test");
    assertEquals(1, c.chunkStore.size());
    return c.chunkStore.values().iterator().next();
  }

  @Test
  void uploadChunk_storesAViewOfTheReceivedArgument_notTheCallersArray() {
    byte[] chunk = new byte[300_000];
    new java.util.SplittableRandom(7).nextBytes(chunk);
    byte[] arg = ManagementCandid.encodeUploadChunkArgs(canister, ByteBuffer.wrap(chunk));
    byte[] reply = replica.update(ME, Principal.MANAGEMENT_CANISTER, "upload_chunk", arg,
        canister);
    assertEquals(Sha256.of(chunk), ManagementCandid.decodeUploadChunkResult(reply));
    Chunk stored = storedChunk();
    // A view into the whole argument (the array is longer than the chunk), not the caller's.
    assertTrue(stored.array().length > chunk.length, "the chunk was copied out");
    assertNotSame(arg, stored.array());
    assertArrayEquals(chunk, stored.bytes());
    // The caller reusing its array changes nothing stored or recorded.
    Arrays.fill(arg, (byte) 0);
    assertArrayEquals(chunk, stored.bytes());
    List<RecordedCall> calls = replica.calls();
    RecordedCall upload = calls.get(calls.size() - 1);
    assertArrayEquals(chunk, ManagementCandid.decodeUploadChunkArgs(upload.arg()).chunk());
  }

  @Test
  void uploadChunk_emptyChunk_storedAndHashed() {
    byte[] arg = ManagementCandid.encodeUploadChunkArgs(canister, ByteBuffer.wrap(new byte[0]));
    replica.update(ME, Principal.MANAGEMENT_CANISTER, "upload_chunk", arg, canister);
    assertEquals(0, storedChunk().length());
  }
}
