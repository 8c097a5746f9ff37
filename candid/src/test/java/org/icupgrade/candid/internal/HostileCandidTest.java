package org.icupgrade.candid.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.icupgrade.core.CandidException;
import org.icupgrade.core.assets.BatchId;
import org.icupgrade.core.assets.BatchOperation;
import org.icupgrade.core.assets.CommitBatchArguments;
import org.icupgrade.core.assets.EncodedAsset;
import org.junit.jupiter.api.Test;

/**
 * The hostile messages of the hostile-input report (issue 10), as regression tests, and the
 * Candid spec's decoding rules for options, records and big numbers.
 */
class HostileCandidTest {
  static final HexFormat HEX = HexFormat.of();

  /** Bytes this thread has allocated so far (HotSpot's count). */
  static long allocated() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
        .getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  /** {@code vec (vec record {})} with one inner vector per count. */
  static byte[] vecOfVecOfEmptyRecord(int outer, String count) {
    StringBuilder hex = new StringBuilder("4449444c 03 6c00 6d00 6d01 01 02");
    hex.append(String.format("%02x", outer));
    for (int i = 0; i < outer; i++) {
      hex.append(count);
    }
    return HEX.parseHex(hex.toString().replace(" ", ""));
  }

  @Test
  void decode_selfReferencingRecordInEmptyVector_decodesFast() {
    byte[] reply = HEX.parseHex("4449444c026c02000001006d00010100");
    List<?> decoded = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> Idl.decode(reply));
    assertEquals(List.of(List.of()), decoded);
  }

  /** 18 inner vectors of 2^32 - 1 empty records each: once 1.9 GB, now refused at the first. */
  @Test
  void decode_vecOfVecOfEmptyRecordIn104Bytes_overBudgetNamingTheField() {
    byte[] message = vecOfVecOfEmptyRecord(18, "ffffffff0f");
    assertEquals(104, message.length);
    long before = allocated();
    CandidException e = assertThrows(CandidException.class,
        () -> Idl.decode(message, "list reply"));
    long used = allocated() - before;
    assertEquals(Optional.of("list reply"), e.method());
    assertEquals(Optional.of("[0]"), e.field());
    assertTrue(e.getMessage().contains("decode budget"), e.getMessage());
    assertTrue(used < 16L << 20, "allocated " + used + " bytes");
  }

  /** Each inner vector is within any per-vector bound; together they are over the message's. */
  @Test
  void decode_vecOfVecOfEmptyRecordEachUnderTheBudget_refusedWhenTheTotalIsOver() {
    byte[] message = vecOfVecOfEmptyRecord(30, "e0d403"); // 60,000 each, 1.8 million in all
    long budget = DecodeBudget.DEFAULT.valuesFor(message.length);
    assertTrue(60_000 < budget && 30 * 60_000 > budget);
    CandidException e = assertThrows(CandidException.class,
        () -> Idl.decode(message, "list reply"));
    assertEquals(Optional.of("[1]"), e.field());
  }

  @Test
  void decode_customBudget_boundsTheWholeMessage() {
    // vec null with 5 elements: the vector and its 5 nulls are 6 values.
    byte[] five = HEX.parseHex("4449444c016d7f010005");
    assertEquals(1, Idl.decode(five, "m", DecodeBudget.of(0, 6)).size());
    CandidException e = assertThrows(CandidException.class,
        () -> Idl.decode(five, "m", DecodeBudget.of(0, 5)));
    assertEquals(Optional.of("m"), e.method());
    assertThrows(IllegalArgumentException.class, () -> DecodeBudget.of(-1, 1));
    assertThrows(IllegalArgumentException.class, () -> DecodeBudget.of(1, 0));
    assertEquals(Long.MAX_VALUE, DecodeBudget.of(Long.MAX_VALUE, 1).valuesFor(2));
    assertEquals(100, DecodeBudget.of(10, 1, 100).valuesFor(50));
    assertThrows(IllegalArgumentException.class, () -> DecodeBudget.of(1, 10, 9));
  }

  @Test
  void defaultBudget_tiedToTheIcMessageLimit() {
    DecodeBudget d = DecodeBudget.DEFAULT;
    assertEquals(65_536 + 2 * 104, d.valuesFor(104));
    long atLimit = d.valuesFor(DecodeBudget.IC_MESSAGE_LIMIT);
    assertEquals(2L * DecodeBudget.IC_MESSAGE_LIMIT + 65_536, atLimit);
    assertEquals(atLimit, d.valuesFor(10 * DecodeBudget.IC_MESSAGE_LIMIT), "no more beyond it");
  }

  @Test
  void decodeCommitBatchArgs_overASmallBudget_namesTheFieldByName() {
    byte[] commit = AssetCandid.encodeCommitBatchArgs(CommitBatchArguments.of(BatchId.of(1),
        List.of(new BatchOperation.DeleteAsset("/a"), new BatchOperation.DeleteAsset("/b"))));
    CandidException e = assertThrows(CandidException.class,
        () -> Fields.of(commit, "commit_batch argument", DecodeBudget.of(0, 5)));
    assertEquals(Optional.of("commit_batch argument"), e.method());
    assertEquals(Optional.of("operations[0].DeleteAsset.key"), e.field());
  }

  /** nat 2^32 read as the nat16 of api_version: once an ArithmeticException. */
  @Test
  void decodeNat16_natOf2To32_candidException() {
    CandidException e = assertThrows(CandidException.class,
        () -> AssetCandid.decodeNat16(HEX.parseHex("4449444c00017d8080808010")));
    assertEquals(Optional.of("api_version reply"), e.method());
    assertTrue(e.getMessage().contains("4294967296"), e.getMessage());
  }

  @Test
  void decodeNat16_natOver65535_refusedNotTruncated() {
    assertEquals(65535, AssetCandid.decodeNat16(Idl.encode(BigInteger.valueOf(65535), Idl.NAT)));
    CandidException e = assertThrows(CandidException.class,
        () -> AssetCandid.decodeNat16(Idl.encode(BigInteger.valueOf(65536), Idl.NAT)));
    assertTrue(e.getMessage().contains("nat16"), e.getMessage());
  }

  @Test
  void decode_optTypesNestedDeeperThanTheBound_candidExceptionNotStackOverflow() {
    int n = 100_000;
    StringBuilder hex = new StringBuilder("4449444c").append(CandidDecoderTest.leb(n));
    for (int i = 0; i < n - 1; i++) {
      hex.append("6e").append(sleb(i + 1));
    }
    hex.append("6e7d").append("0100").append("01".repeat(n)).append("00");
    byte[] message = HEX.parseHex(hex.toString());
    CandidException e = assertThrows(CandidException.class, () -> Idl.decode(message, "m"));
    assertTrue(e.getMessage().contains("deeper than " + CandidDecoder.MAX_DEPTH), e.getMessage());
  }

  /** Candid spec, decoding rules, "Options": an opt that does not decode at its type is null. */
  @Test
  void decodeGetResult_sha256OfAnotherType_absent() {
    CandidType wrongHash = Idl.record("content", Idl.BLOB, "content_type", Idl.TEXT,
        "content_encoding", Idl.TEXT, "sha256", Idl.opt(Idl.TEXT), "total_length", Idl.NAT);
    byte[] reply = Idl.encode(Idl.value("content", new byte[] {1}, "content_type", "text/plain",
        "content_encoding", "identity", "sha256", Optional.of("not a hash"),
        "total_length", BigInteger.ONE), wrongHash);
    EncodedAsset a = AssetCandid.decodeGetResult(reply);
    assertEquals(Optional.empty(), a.sha256());
    assertEquals(1, a.totalLength());
  }

  /** Candid spec, decoding rules, "Records": absent opt fields are null, extra fields skipped. */
  @Test
  void decodeGetResult_optFieldAbsentAndExtraFields_readAsTheSpecSays() {
    CandidType other = Idl.record("content", Idl.BLOB, "content_type", Idl.TEXT,
        "content_encoding", Idl.TEXT, "total_length", Idl.NAT,
        "extra", Idl.vec(Idl.TEXT), "more", Idl.opt(Idl.NAT));
    byte[] reply = Idl.encode(Idl.value("content", new byte[] {1, 2}, "content_type", "a/b",
        "content_encoding", "gzip", "total_length", BigInteger.TWO,
        "extra", List.of("x", "y"), "more", Optional.of(BigInteger.TEN)), other);
    EncodedAsset a = AssetCandid.decodeGetResult(reply);
    assertEquals(Optional.empty(), a.sha256());
    assertEquals("gzip", a.contentEncoding());
  }

  /** A hash of the right type but the wrong length is an error, not a null: it is not typing. */
  @Test
  void decodeGetResult_sha256OfWrongLength_stillAnError() {
    byte[] reply = Idl.encode(Idl.value("content", new byte[] {1}, "content_type", "text/plain",
        "content_encoding", "identity", "sha256", Optional.of(new byte[31]),
        "total_length", BigInteger.ONE), AssetCandid.ENCODED_ASSET);
    CandidException e = assertThrows(CandidException.class,
        () -> AssetCandid.decodeGetResult(reply));
    assertEquals(Optional.of("sha256"), e.field());
  }

  @Test
  void decodeListArgs_natBeyond64Bits_refusedNotWrapped() {
    byte[] args = Idl.encode(Idl.value("start", Optional.of(BigInteger.ONE.shiftLeft(64)),
        "length", Optional.empty()), AssetCandid.LIST_ARGS);
    CandidException e = assertThrows(CandidException.class, () -> AssetCandid.decodeListArgs(args));
    assertEquals(Optional.of("start"), e.field());
    assertTrue(e.getMessage().contains("18446744073709551616"), e.getMessage());
  }

  /** A 1 MiB nat: read in one pass, and the error gives its size instead of its 2.5 M digits. */
  @Test
  void decodeListArgs_natOfAMebibyte_refusedQuicklyNamingItsSize() {
    byte[] head = Idl.encode(Idl.value("start", Optional.of(BigInteger.ZERO),
        "length", Optional.empty()), AssetCandid.LIST_ARGS);
    // The encoding ends: ... start = opt (01) nat 0 (00), length = none (00).
    int n = 1 << 20;
    byte[] args = new byte[head.length - 2 + n + 2];
    System.arraycopy(head, 0, args, 0, head.length - 2);
    java.util.Arrays.fill(args, head.length - 2, head.length - 2 + n, (byte) 0xFF);
    args[args.length - 2] = 0x01;
    args[args.length - 1] = 0x00;
    CandidException e = assertTimeoutPreemptively(Duration.ofSeconds(2),
        () -> assertThrows(CandidException.class, () -> AssetCandid.decodeListArgs(args)));
    assertTrue(e.getMessage().contains("of " + (7 * n + 1) + " bits"), e.getMessage());
  }

  @Test
  void decodeSnapshotResult_natBeyond64BitsForANat64_refused() {
    CandidType asNat = Idl.record("id", Idl.BLOB, "taken_at_timestamp", Idl.NAT,
        "total_size", Idl.NAT64);
    byte[] reply = Idl.encode(Idl.value("id", new byte[] {1}, "taken_at_timestamp",
        BigInteger.ONE.shiftLeft(64), "total_size", 1L), asNat);
    CandidException e = assertThrows(CandidException.class,
        () -> ManagementCandid.decodeSnapshotResult(reply));
    assertEquals(Optional.of("taken_at_timestamp"), e.field());
  }

  @Test
  void decodeCreateBatchResult_natBeyond64Bits_keptWhole() {
    BigInteger big = BigInteger.ONE.shiftLeft(100).add(BigInteger.ONE);
    byte[] reply = Idl.encode(Idl.value("batch_id", big), AssetCandid.BATCH_ID_RECORD);
    assertEquals(big, AssetCandid.decodeCreateBatchResult(reply).value());
  }

  static String sleb(long v) {
    StringBuilder sb = new StringBuilder();
    while (true) {
      int b = (int) (v & 0x7f);
      v >>= 7;
      boolean done = (v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0);
      sb.append(String.format("%02x", done ? b : b | 0x80));
      if (done) {
        return sb.toString();
      }
    }
  }
}
