package org.icupgrade.candid.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.icupgrade.core.CandidException;
import org.icupgrade.core.InstallMode;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.assets.AssetDetails;
import org.icupgrade.core.assets.AssetEncodingDetails;
import org.icupgrade.core.assets.BatchId;
import org.icupgrade.core.assets.BatchOperation;
import org.icupgrade.core.assets.ChunkId;
import org.icupgrade.core.assets.CommitBatchArguments;
import org.icupgrade.core.assets.EncodedAsset;
import org.icupgrade.core.assets.HeaderField;
import org.icupgrade.core.assets.Permission;
import org.icupgrade.core.assets.PropertyUpdate;
import org.icupgrade.core.management.CanisterSettings;
import org.icupgrade.core.management.CanisterStatus;
import org.icupgrade.core.management.InstallChunkedCodeRequest;
import org.icupgrade.core.management.Snapshot;
import org.icupgrade.core.management.SnapshotId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every decoder entry point, fed random bytes and mutations of valid messages from our encoder
 * (bit flips, truncations, LEB128 lengths inflated, type table bytes replaced, chunks duplicated):
 * each case must decode or throw {@link CandidException}, nothing else. The seed is fixed, so a
 * failure names a case that fails again. A case over {@link #CASE_BOUND_NANOS} is a hang and fails
 * the test (the bound is a hang guard, far above any real decode, not a speed claim); a case that
 * allocates over {@link #CASE_HEAP_BOUND} fails too.
 */
class CandidFuzzTest {
  static final int CASES = 10_000;
  static final long SEED = 0x1C_0DEC_0DE5L;
  static final long CASE_BOUND_NANOS = TimeUnit.SECONDS.toNanos(2);
  /** The default budget lets a message of up to 4 KiB make ~74,000 values: well under this. */
  static final long CASE_HEAP_BOUND = 64L << 20;
  static final HexFormat HEX = HexFormat.of();
  static final Principal CANISTER = Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai");
  static final Sha256 DIGEST = Sha256.of(new byte[] {1, 2, 3});

  static ExecutorService worker;
  static long worstNanos;
  static long worstBytes;

  /** One decoder, and valid messages for it to mutate. */
  record EntryPoint(
      String name, CandidType type, Consumer<byte[]> decoder, List<byte[]> samples) {
    @Override
    public String toString() {
      return name;
    }
  }

  @BeforeAll
  static void startWorker() {
    worker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "candid-fuzz");
      t.setDaemon(true);
      return t;
    });
  }

  @AfterAll
  static void stopWorker() {
    worker.shutdownNow();
    System.out.printf("candid fuzz: worst case %.3f ms, most allocated by one case %d bytes%n",
        worstNanos / 1e6, worstBytes);
  }

  static EntryPoint ep(
      String name, CandidType type, Consumer<byte[]> decoder, byte[]... samples) {
    return new EntryPoint(name, type, decoder, List.of(samples));
  }

  static Stream<Arguments> entryPoints() {
    CanisterSettings settings = CanisterSettings.builder()
        .controllers(List.of(CANISTER, Principal.ANONYMOUS)).computeAllocation(BigInteger.ONE)
        .freezingThreshold(BigInteger.valueOf(2_592_000)).wasmMemoryLimit(BigInteger.TEN).build();
    InstallMode upgrade = InstallMode.upgrade().withSkipPreUpgrade(true)
        .withWasmMemoryPersistence(InstallMode.WasmMemoryPersistence.KEEP);
    Snapshot snapshot = new Snapshot(SnapshotId.of(new byte[] {1, 2, 3}), 5L, 6L);
    CommitBatchArguments commit = CommitBatchArguments.of(BatchId.of(7), List.of(
        BatchOperation.CreateAsset.builder("/index.html", "text/html").maxAge(3600)
            .headers(List.of(new HeaderField("a", "b"))).enableAliasing(true)
            .allowRawAccess(false).build(),
        BatchOperation.SetAssetContent.of("/index.html", "gzip",
            List.of(ChunkId.of(1), ChunkId.of(200)), new byte[] {1, 2}, DIGEST),
        BatchOperation.SetAssetProperties.of("/a", PropertyUpdate.set(60L),
            PropertyUpdate.set(List.of(new HeaderField("x", "y"))), PropertyUpdate.clear(),
            PropertyUpdate.keep()),
        new BatchOperation.UnsetAssetContent("/a", "br"),
        new BatchOperation.DeleteAsset("/old"),
        new BatchOperation.Clear()));
    AssetCandid.HttpRequest request = new AssetCandid.HttpRequest("GET", "/index.html",
        List.of(new HeaderField("Accept-Encoding", "gzip")), new byte[] {1});
    List<EntryPoint> all = List.of(
        ep("Idl.decode", CandidDecoderTest.SAMPLE, Idl::decode,
            Idl.encode(CandidDecoderTest.sample(), CandidDecoderTest.SAMPLE)),
        ep("decodeCreateCanisterArgs", ManagementCandid.CREATE_CANISTER_ARGS, ManagementCandid::decodeCreateCanisterArgs,
            ManagementCandid.encodeCreateCanisterArgs(settings),
            ManagementCandid.encodeCreateCanisterArgs(null)),
        ep("decodeProvisionalCreateArgs", ManagementCandid.PROVISIONAL_CREATE_ARGS, ManagementCandid::decodeProvisionalCreateArgs,
            ManagementCandid.encodeProvisionalCreateArgs(BigInteger.TEN, settings, CANISTER)),
        ep("decodeCanisterIdResult", ManagementCandid.CANISTER_ID_ARGS, ManagementCandid::decodeCanisterIdResult,
            ManagementCandid.encodeCanisterIdResult(CANISTER)),
        ep("decodeCanisterIdArgs", ManagementCandid.CANISTER_ID_ARGS, b -> ManagementCandid.decodeCanisterIdArgs(b, "canister_status"),
            ManagementCandid.encodeCanisterIdArgs(CANISTER)),
        ep("decodeEmptyResult", Idl.record(), b -> ManagementCandid.decodeEmptyResult(b, "start_canister"),
            ManagementCandid.encodeEmptyResult()),
        ep("decodeUpdateSettingsArgs", ManagementCandid.UPDATE_SETTINGS_ARGS, ManagementCandid::decodeUpdateSettingsArgs,
            ManagementCandid.encodeUpdateSettingsArgs(CANISTER, settings)),
        ep("decodeCanisterStatusResult", ManagementCandid.CANISTER_STATUS_RESULT, ManagementCandid::decodeCanisterStatusResult,
            ManagementCandid.encodeCanisterStatusResult(new CanisterStatus(
                CanisterStatus.RunStatus.RUNNING, List.of(CANISTER), DIGEST,
                BigInteger.valueOf(1234), BigInteger.ONE.shiftLeft(40)))),
        ep("decodeInstallCodeArgs", ManagementCandid.INSTALL_CODE_ARGS, ManagementCandid::decodeInstallCodeArgs,
            ManagementCandid.encodeInstallCodeArgs(CANISTER, upgrade,
                ByteBuffer.wrap(new byte[] {0, 'a', 's', 'm'}), new byte[] {7}),
            ManagementCandid.encodeInstallCodeArgs(CANISTER, InstallMode.install(),
                ByteBuffer.wrap(new byte[0]), new byte[0])),
        ep("decodeUploadChunkArgs", ManagementCandid.UPLOAD_CHUNK_ARGS, ManagementCandid::decodeUploadChunkArgs,
            ManagementCandid.encodeUploadChunkArgs(CANISTER, ByteBuffer.wrap(new byte[40]))),
        ep("decodeUploadChunkResult", ManagementCandid.CHUNK_HASH, ManagementCandid::decodeUploadChunkResult,
            ManagementCandid.encodeUploadChunkResult(DIGEST)),
        ep("decodeStoredChunksResult", Idl.vec(ManagementCandid.CHUNK_HASH), ManagementCandid::decodeStoredChunksResult,
            ManagementCandid.encodeStoredChunksResult(List.of(DIGEST, DIGEST))),
        ep("decodeInstallChunkedCodeArgs", ManagementCandid.INSTALL_CHUNKED_CODE_ARGS, ManagementCandid::decodeInstallChunkedCodeArgs,
            ManagementCandid.encodeInstallChunkedCodeArgs(new InstallChunkedCodeRequest(upgrade,
                CANISTER, CANISTER, List.of(DIGEST, DIGEST), DIGEST, new byte[] {1}))),
        ep("decodeTakeSnapshotArgs", ManagementCandid.TAKE_SNAPSHOT_ARGS, ManagementCandid::decodeTakeSnapshotArgs,
            ManagementCandid.encodeTakeSnapshotArgs(CANISTER, snapshot.id())),
        ep("decodeSnapshotResult", ManagementCandid.SNAPSHOT, ManagementCandid::decodeSnapshotResult,
            ManagementCandid.encodeSnapshotResult(snapshot)),
        ep("decodeSnapshotArgs", ManagementCandid.LOAD_SNAPSHOT_ARGS,
            b -> ManagementCandid.decodeSnapshotArgs(b, "load_canister_snapshot"),
            ManagementCandid.encodeLoadSnapshotArgs(CANISTER, snapshot.id()),
            ManagementCandid.encodeDeleteSnapshotArgs(CANISTER, snapshot.id())),
        ep("decodeListSnapshotsResult", Idl.vec(ManagementCandid.SNAPSHOT), ManagementCandid::decodeListSnapshotsResult,
            ManagementCandid.encodeListSnapshotsResult(List.of(snapshot, snapshot))),
        ep("decodeNat16", Idl.NAT16, AssetCandid::decodeNat16, AssetCandid.encodeNat16(2)),
        ep("decodeListArgs", AssetCandid.LIST_ARGS, AssetCandid::decodeListArgs, AssetCandid.encodeListArgs(3, 100)),
        ep("decodeListResult", Idl.vec(AssetCandid.ASSET_DETAILS), AssetCandid::decodeListResult,
            AssetCandid.encodeListResult(List.of(AssetDetails.of("/a.js", "text/javascript",
                List.of(AssetEncodingDetails.of("gzip", DIGEST, 10, 1_700_000_000L),
                    AssetEncodingDetails.of("identity", null, 0, 0)))))),
        ep("decodeGetArgs", AssetCandid.GET_ARGS, AssetCandid::decodeGetArgs,
            AssetCandid.encodeGetArgs("/index.html", List.of("gzip", "identity"))),
        ep("decodeGetResult", AssetCandid.ENCODED_ASSET, AssetCandid::decodeGetResult,
            AssetCandid.encodeGetResult(
                EncodedAsset.of(new byte[] {1, 2, 3}, "text/html", "gzip", DIGEST, 10))),
        ep("decodeGetChunkArgs", AssetCandid.GET_CHUNK_ARGS, AssetCandid::decodeGetChunkArgs,
            AssetCandid.encodeGetChunkArgs(
                new AssetCandid.GetChunkArgs("/index.html", "gzip", 1, DIGEST))),
        ep("decodeContentResult", Idl.record("content", Idl.BLOB), AssetCandid::decodeContentResult,
            AssetCandid.encodeContentResult(new byte[] {1, 2, 3})),
        ep("decodeBatchIdRecord", AssetCandid.BATCH_ID_RECORD, AssetCandid::decodeBatchIdRecord,
            AssetCandid.encodeBatchIdRecord(BatchId.of(7))),
        ep("decodeCreateBatchResult", AssetCandid.BATCH_ID_RECORD, AssetCandid::decodeCreateBatchResult,
            AssetCandid.encodeBatchIdRecord(BatchId.of(1 << 20))),
        ep("decodeCreateChunkArgs", AssetCandid.CREATE_CHUNK_ARGS, AssetCandid::decodeCreateChunkArgs,
            AssetCandid.encodeCreateChunkArgs(BatchId.of(7), new byte[] {1, 2, 3})),
        ep("decodeCreateChunkResult", Idl.record("chunk_id", Idl.NAT), AssetCandid::decodeCreateChunkResult,
            AssetCandid.encodeCreateChunkResult(ChunkId.of(3))),
        ep("decodeCreateChunksArgs", AssetCandid.CREATE_CHUNKS_ARGS, AssetCandid::decodeCreateChunksArgs,
            AssetCandid.encodeCreateChunksArgs(BatchId.of(7),
                List.of(new byte[] {1}, new byte[] {2, 3}))),
        ep("decodeCreateChunksResult", Idl.record("chunk_ids", Idl.vec(Idl.NAT)), AssetCandid::decodeCreateChunksResult,
            AssetCandid.encodeCreateChunksResult(List.of(ChunkId.of(1), ChunkId.of(2)))),
        ep("decodeCommitBatchArgs", AssetCandid.COMMIT_BATCH, AssetCandid::decodeCommitBatchArgs,
            AssetCandid.encodeCommitBatchArgs(commit)),
        ep("decodeKeyRecord", AssetCandid.DELETE_ASSET, AssetCandid::decodeKeyRecord,
            AssetCandid.encodeKeyRecord("/index.html")),
        ep("decodePermissionArgs", Idl.record("to_principal", Idl.PRINCIPAL, "permission", AssetCandid.PERMISSION), b -> AssetCandid.decodePermissionArgs(b, "to_principal"),
            AssetCandid.encodePermissionArgs("to_principal", CANISTER, Permission.COMMIT)),
        ep("decodeListPermittedArgs", Idl.record("permission", AssetCandid.PERMISSION), AssetCandid::decodeListPermittedArgs,
            AssetCandid.encodeListPermittedArgs(Permission.PREPARE)),
        ep("decodePrincipals", Idl.vec(Idl.PRINCIPAL), AssetCandid::decodePrincipals,
            AssetCandid.encodePrincipals(List.of(CANISTER, Principal.ANONYMOUS))),
        ep("decodeHttpRequest", AssetCandid.HTTP_REQUEST, AssetCandid::decodeHttpRequest,
            AssetCandid.encodeHttpRequest(request)),
        ep("decodeHttpResponse", AssetCandid.HTTP_RESPONSE, AssetCandid::decodeHttpResponse,
            AssetCandid.encodeHttpResponse(new AssetCandid.HttpResponse(200,
                List.of(new HeaderField("Content-Type", "text/html")), new byte[] {1, 2}))));
    return all.stream().map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("entryPoints")
  void decoder_randomAndMutatedMessages_decodeOrCandidException(EntryPoint entry)
      throws Exception {
    SplittableRandom random = new SplittableRandom(SEED ^ entry.name().hashCode());
    int[] outcome = new int[2]; // decoded, refused
    long[] caseStart = {0};
    byte[][] current = {null};
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    Future<?> run = worker.submit(() -> {
      long thread = Thread.currentThread().getId();
      for (int i = 0; i < CASES; i++) {
        byte[] input = fuzzCase(random, entry);
        current[0] = input;
        long allocatedBefore = threads.getThreadAllocatedBytes(thread);
        long start = System.nanoTime();
        caseStart[0] = start;
        try {
          entry.decoder().accept(input);
          outcome[0]++;
        } catch (CandidException refused) {
          outcome[1]++;
        } catch (Throwable other) {
          throw new AssertionError(entry.name() + " threw " + other + " for "
              + HEX.formatHex(input), other);
        }
        long took = System.nanoTime() - start;
        long allocated = threads.getThreadAllocatedBytes(thread) - allocatedBefore;
        caseStart[0] = 0;
        synchronized (CandidFuzzTest.class) {
          worstNanos = Math.max(worstNanos, took);
          worstBytes = Math.max(worstBytes, allocated);
        }
        if (allocated > CASE_HEAP_BOUND) {
          throw new AssertionError(entry.name() + " allocated " + allocated + " bytes for "
              + HEX.formatHex(input));
        }
      }
    });
    // The hang guard: the worker publishes when each case started; one running too long fails.
    while (true) {
      try {
        run.get(50, TimeUnit.MILLISECONDS);
        break;
      } catch (TimeoutException stillRunning) {
        long started = caseStart[0];
        if (started != 0 && System.nanoTime() - started > CASE_BOUND_NANOS) {
          run.cancel(true);
          byte[] input = current[0];
          fail(entry.name() + " took over " + TimeUnit.NANOSECONDS.toMillis(CASE_BOUND_NANOS)
              + " ms for " + (input == null ? "?" : HEX.formatHex(input)));
        }
      } catch (ExecutionException e) {
        if (e.getCause() instanceof AssertionError a) {
          throw a;
        }
        throw e;
      }
    }
    System.out.printf("candid fuzz %s: %d cases, %d decoded, %d refused%n",
        entry.name(), CASES, outcome[0], outcome[1]);
    assertTrue(outcome[0] + outcome[1] == CASES, "every case ran");
    assertTrue(outcome[1] > 0, "hostile input is refused");
  }

  /** One input: random bytes, or a mutation of a sample. */
  static byte[] fuzzCase(SplittableRandom r, EntryPoint entry) {
    List<byte[]> samples = entry.samples();
    byte[] sample = samples.get(r.nextInt(samples.size()));
    switch (r.nextInt(12)) {
      case 11:
        // Each bomb makes the budget's 65,536 values before it is refused: a few per entry point
        // show the bound holds, without making the suite slow.
        return r.nextInt(4) == 0 ? zeroWidthBomb(r) : flipBits(r, sample);
      case 8:
        // The decoder's own type with random values: numbers out of range, hashes of any length.
        return Idl.encode(randomValue(r, entry.type(), 0), entry.type());
      case 9:
      case 10: {
        // A type of the same shape with some parts replaced: every reader sees the wrong type.
        CandidType mutated = mutateType(r, entry.type(), 0);
        byte[] typed = Idl.encode(randomValue(r, mutated, 0), mutated);
        return r.nextInt(4) == 0 ? flipBits(r, typed) : typed;
      }
      case 0:
        return randomBytes(r, r.nextBoolean());
      case 1:
        return flipBits(r, sample);
      case 2:
        return Arrays.copyOf(sample, r.nextInt(sample.length + 1));
      case 3:
        return inflateLeb(r, sample);
      case 4:
        return mutateTypeTable(r, sample);
      case 5:
        return duplicateChunk(r, sample);
      case 6:
        return flipBits(r, inflateLeb(r, mutateTypeTable(r, sample)));
      default:
        return sample.clone();
    }
  }

  static final CandidType[] PRIMITIVES = {Idl.NULL, Idl.BOOL, Idl.NAT, Idl.INT, Idl.NAT8,
      Idl.NAT16, Idl.NAT32, Idl.NAT64, Idl.TEXT, Idl.PRINCIPAL, Idl.BLOB};

  static CandidType randomType(SplittableRandom r, int depth) {
    int pick = r.nextInt(depth > 3 ? PRIMITIVES.length : PRIMITIVES.length + 6);
    if (pick < PRIMITIVES.length) {
      return PRIMITIVES[pick];
    }
    switch (pick - PRIMITIVES.length) {
      case 4:
        return Idl.record(); // zero-width: its count in a vector is bounded by the budget only
      case 5:
        return Idl.vec(Idl.vec(r.nextBoolean() ? Idl.record() : Idl.NULL));
      case 0:
        return Idl.opt(randomType(r, depth + 1));
      case 1:
        return Idl.vec(randomType(r, depth + 1));
      case 2:
        return Idl.record("a", randomType(r, depth + 1), "0", randomType(r, depth + 1));
      default:
        return Idl.variant("x", randomType(r, depth + 1), "y", Idl.NULL);
    }
  }

  /** {@code t} with some parts replaced by random types, fields dropped, or fields added. */
  static CandidType mutateType(SplittableRandom r, CandidType t, int depth) {
    if (depth > 0 && r.nextInt(6) == 0) {
      return randomType(r, depth);
    }
    switch (t.opcode) {
      case CandidType.OPT:
        return Idl.opt(mutateType(r, t.inner, depth + 1));
      case CandidType.VEC:
        return Idl.vec(mutateType(r, t.inner, depth + 1));
      case CandidType.RECORD:
      case CandidType.VARIANT: {
        List<Object> pairs = new ArrayList<>();
        for (CandidType.Field f : t.fields) {
          if (t.opcode == CandidType.RECORD && r.nextInt(10) == 0) {
            continue; // a field the decoder may need is not there
          }
          pairs.add(f.name());
          pairs.add(r.nextInt(3) == 0 ? mutateType(r, f.type(), depth + 1) : f.type());
        }
        if (r.nextInt(8) == 0) {
          pairs.add("extra_" + r.nextInt(3));
          pairs.add(randomType(r, depth + 1));
        }
        if (t.opcode == CandidType.VARIANT && pairs.isEmpty()) {
          return t;
        }
        Object[] p = pairs.toArray();
        return t.opcode == CandidType.RECORD ? Idl.record(p) : Idl.variant(p);
      }
      default:
        return r.nextInt(3) == 0 ? randomType(r, depth) : t;
    }
  }

  static BigInteger randomNat(SplittableRandom r) {
    switch (r.nextInt(6)) {
      case 0:
        return BigInteger.ZERO;
      case 1:
        return BigInteger.ONE.shiftLeft(16 + r.nextInt(4) * 16).subtract(BigInteger.ONE)
            .add(BigInteger.valueOf(r.nextInt(3)));
      case 2:
        return BigInteger.ONE.shiftLeft(64 + r.nextInt(80));
      default:
        return BigInteger.valueOf(r.nextInt(1 << 20));
    }
  }

  /** A random value that {@link Idl#encode} writes as {@code t}. */
  static Object randomValue(SplittableRandom r, CandidType t, int depth) {
    switch (t.opcode) {
      case CandidType.NULL:
        return null;
      case CandidType.BOOL:
        return r.nextBoolean();
      case CandidType.NAT:
        return randomNat(r);
      case CandidType.INT:
        return r.nextBoolean() ? randomNat(r) : randomNat(r).negate();
      case CandidType.NAT8:
        return r.nextInt(256);
      case CandidType.NAT16:
        return r.nextInt(1 << 16);
      case CandidType.NAT32:
        return r.nextLong(1L << 32);
      case CandidType.NAT64:
        return r.nextLong();
      case CandidType.TEXT:
        return new String[] {"", "/index.html", "gzip", "identity", "Commit", "grüße"}[r.nextInt(6)];
      case CandidType.PRINCIPAL:
        return r.nextBoolean() ? CANISTER : Principal.ANONYMOUS;
      case CandidType.OPT:
        return depth > 6 || r.nextInt(3) == 0 ? java.util.Optional.empty()
            : java.util.Optional.ofNullable(randomValue(r, t.inner, depth + 1));
      case CandidType.VEC: {
        if (t.isBlob()) {
          byte[] b = new byte[r.nextBoolean() ? 32 : r.nextInt(40)];
          r.nextBytes(b);
          return b;
        }
        List<Object> items = new ArrayList<>();
        for (int n = depth > 6 ? 0 : r.nextInt(4); n > 0; n--) {
          items.add(randomValue(r, t.inner, depth + 1));
        }
        return items;
      }
      case CandidType.RECORD: {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (CandidType.Field f : t.fields) {
          m.put(f.name(), randomValue(r, f.type(), depth + 1));
        }
        return m;
      }
      case CandidType.VARIANT: {
        CandidType.Field f = t.fields.get(r.nextInt(t.fields.size()));
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put(f.name(), randomValue(r, f.type(), depth + 1));
        return m;
      }
      default:
        throw new IllegalStateException("type " + t.opcode);
    }
  }

  /**
   * {@code vec (vec T)} with T zero-width ({@code record {}} or {@code null}): a few bytes per
   * inner vector, each claiming up to a million elements, as in the 104-byte message that once
   * allocated 1.9 GB.
   */
  static byte[] zeroWidthBomb(SplittableRandom r) {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    b.writeBytes(new byte[] {'D', 'I', 'D', 'L', 3});
    b.writeBytes(r.nextBoolean() ? new byte[] {0x6c, 0x00} : new byte[] {0x6e, 0x7f});
    b.writeBytes(new byte[] {0x6d, 0x00, 0x6d, 0x01, 0x01, 0x02});
    int outer = 1 + r.nextInt(60);
    b.write(outer);
    byte[][] counts = {{(byte) 0x80, (byte) 0x80, 0x3c}, {(byte) 0xFF, (byte) 0xFF, 0x03},
        {(byte) 0xC0, (byte) 0x84, 0x3d}, {0x05}};
    for (int i = 0; i < outer; i++) {
      byte[] c = counts[r.nextInt(counts.length)];
      // an opt T is one byte per element (0 = none); only record {} is really zero-width
      b.writeBytes(c);
    }
    return b.toByteArray();
  }

  static byte[] randomBytes(SplittableRandom r, boolean withMagic) {
    byte[] b = new byte[r.nextInt(96)];
    r.nextBytes(b);
    if (withMagic && b.length >= 4) {
      b[0] = 'D';
      b[1] = 'I';
      b[2] = 'D';
      b[3] = 'L';
    }
    return b;
  }

  static byte[] flipBits(SplittableRandom r, byte[] sample) {
    byte[] b = sample.clone();
    for (int n = 1 + r.nextInt(4); n > 0 && b.length > 0; n--) {
      int at = r.nextInt(b.length);
      b[at] ^= (byte) (1 << r.nextInt(8));
    }
    return b;
  }

  /** Replaces one byte with a long LEB128 number: a length, count or index claiming far more. */
  static byte[] inflateLeb(SplittableRandom r, byte[] sample) {
    if (sample.length <= 4) {
      return sample.clone();
    }
    int at = 4 + r.nextInt(sample.length - 4);
    byte[][] claims = {
      {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F},
      {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x10},
      {(byte) 0xFF, (byte) 0xFF, 0x03},
      {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
          (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01},
      {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
          (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01}};
    byte[] claim = claims[r.nextInt(claims.length)];
    byte[] b = new byte[sample.length - 1 + claim.length];
    System.arraycopy(sample, 0, b, 0, at);
    System.arraycopy(claim, 0, b, at, claim.length);
    System.arraycopy(sample, at + 1, b, at + claim.length, sample.length - at - 1);
    return b;
  }

  /**
   * Replaces a byte near the start (where the type table is) with a type opcode or a small table
   * index, so types become recursive, zero-width, of another kind or out of range.
   */
  static byte[] mutateTypeTable(SplittableRandom r, byte[] sample) {
    byte[] b = sample.clone();
    if (b.length <= 5) {
      return b;
    }
    int end = Math.min(b.length, 4 + 1 + r.nextInt(Math.max(1, Math.min(40, b.length - 4))));
    int[] opcodes = {0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x7a, 0x78, 0x71, 0x70, 0x6f, 0x6e, 0x6d,
        0x6c, 0x6b, 0x6a, 0x69, 0x68, 0x00, 0x01, 0x02, 0x03, 0x04};
    for (int n = 1 + r.nextInt(3); n > 0; n--) {
      b[4 + r.nextInt(end - 4)] = (byte) opcodes[r.nextInt(opcodes.length)];
    }
    return b;
  }

  static byte[] duplicateChunk(SplittableRandom r, byte[] sample) {
    if (sample.length <= 4) {
      return sample.clone();
    }
    int from = 4 + r.nextInt(sample.length - 4);
    int len = 1 + r.nextInt(Math.min(16, sample.length - from));
    List<Byte> out = new ArrayList<>();
    for (int i = 0; i < sample.length; i++) {
      out.add(sample[i]);
      if (i == from + len - 1) {
        for (int j = from; j < from + len; j++) {
          out.add(sample[j]);
        }
      }
    }
    byte[] b = new byte[out.size()];
    for (int i = 0; i < b.length; i++) {
      b[i] = out.get(i);
    }
    return b;
  }
}
