package org.icupgrade.replica.internal;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.icupgrade.candid.internal.ManagementArgs;
import org.icupgrade.candid.internal.ManagementCandid;
import org.icupgrade.core.Principal;
import org.icupgrade.core.Sha256;
import org.icupgrade.core.management.CanisterStatus;
import org.icupgrade.core.management.Snapshot;
import org.icupgrade.core.management.SnapshotId;
import org.jspecify.annotations.Nullable;

/**
 * The replica's whole state as one checkpoint file's body (see {@link StateDirectory} for the
 * file around it: magic, format version, checksum): the allocator's next canister and snapshot
 * numbers, the time, and each canister with its id, controllers, run status, cycles, settings,
 * version, history, chunk store, module (the user's bytes as installed) and module hash, its
 * code's state (main memory, globals, stable memory, certified data, code version, global timer)
 * and its snapshots. Written with {@link DataOutputStream} (big-endian); a byte string is its
 * length ({@code int}, -1 for none) then its bytes. Memory is written as its size in pages and
 * then only the pages that are not all zero, each as its index and its 64 KiB, ended by -1.
 *
 * <p>Memory is read through Chicory's {@link Memory} interface and {@link StableMemory}'s
 * {@code bytes()}/{@code replace}, and a snapshot's state through {@link Checkpoint}'s record
 * components, so that a change of how memory is held inside touches only those calls here.
 *
 * <p>Not saved: Java objects hosted as canisters ({@code createBuiltinCanister}): the canister
 * keeps its id, controllers and settings, the hosted object is gone after a restart; a table's
 * contents changed at run time (tables come back from the module's element segments, as a
 * snapshot load brings them back today); calls recorded and faults scripted (test aids, not state).
 */
final class StateFile {
  private static final int PAGE = WasmCanister.PAGE;
  private static final byte[] ZERO_PAGE = new byte[PAGE];

  private StateFile() {}

  /** What the file holds besides the canisters. */
  record Header(byte[] rootKey, long timeNanos, long nextCanister, long nextSnapshot) {}

  // ---- writing ----

  static void write(DataOutputStream out, Header header, List<CanisterState> canisters)
      throws IOException {
    bytes(out, header.rootKey());
    out.writeLong(header.timeNanos());
    out.writeLong(header.nextCanister());
    out.writeLong(header.nextSnapshot());
    out.writeInt(canisters.size());
    for (CanisterState c : canisters) {
      // One canister at a time under its lock: what a message or a query on it is doing is not
      // half seen (a query writes to the heap and undoes it).
      synchronized (c) {
        canister(out, c);
      }
    }
  }

  private static void canister(DataOutputStream out, CanisterState c) throws IOException {
    bytes(out, c.id.toBytes());
    principals(out, c.controllers);
    out.writeUTF(c.status.name());
    bytes(out, c.cycles.toByteArray());
    bytes(out, ManagementCandid.encodeUpdateSettingsArgs(c.id, c.settings));
    out.writeLong(c.version);
    out.writeLong(c.totalChanges);
    out.writeInt(c.history.size());
    for (ManagementArgs.Change change : c.history) {
      change(out, change);
    }
    chunks(out, c.chunkStore);
    module(out, c.module);
    bytes(out, c.moduleHash == null ? null : c.moduleHash.toBytes());
    out.writeBoolean(c.enhancedOrthogonalPersistence);
    WasmCanister code = c.code;
    out.writeBoolean(code != null);
    if (code != null) {
      Instance instance = code.instance();
      Memory m = instance.memory();
      int pages = m == null ? 0 : m.pages();
      out.writeInt(pages);
      for (int p = 0; p < pages; p++) {
        byte[] page = m.readBytes(p * PAGE, PAGE);
        if (!isZero(page, 0)) {
          out.writeInt(p);
          out.write(page);
        }
      }
      out.writeInt(-1);
      Checkpoint.Globals g = Checkpoint.Globals.of(instance);
      globals(out, g, code.ownGlobals());
      dense(out, code.stable().freeze());
      bytes(out, code.certifiedData());
      out.writeLong(code.version());
      out.writeLong(code.timerDeadline());
    }
    out.writeInt(c.snapshots.size());
    for (CanisterState.SnapshotState s : c.snapshots) {
      bytes(out, s.snapshot().id().toBytes());
      out.writeLong(s.snapshot().takenAtTimestampNanos());
      out.writeLong(s.snapshot().totalSize());
      module(out, s.module());
      bytes(out, s.moduleHash() == null ? null : s.moduleHash().toBytes());
      out.writeBoolean(s.eop());
      Checkpoint cp = (Checkpoint) s.codeState();
      out.writeBoolean(cp != null);
      if (cp != null) {
        out.writeInt(cp.pages());
        pages(out, cp.memory());
        globals(out, cp.globals(), cp.globals().low().length);
        dense(out, cp.stable());
        bytes(out, cp.certified());
      }
      chunks(out, s.chunkStore());
      out.writeLong(s.canisterVersion());
    }
  }

  private static void change(DataOutputStream out, ManagementArgs.Change change)
      throws IOException {
    out.writeLong(change.timestampNanos());
    out.writeLong(change.canisterVersion());
    bytes(out, change.origin().toBytes());
    out.writeBoolean(change.fromUser());
    ManagementArgs.ChangeDetails d = change.details();
    if (d instanceof ManagementArgs.ChangeDetails.Creation x) {
      out.writeByte(0);
      principals(out, x.controllers());
    } else if (d instanceof ManagementArgs.ChangeDetails.CodeUninstall) {
      out.writeByte(1);
    } else if (d instanceof ManagementArgs.ChangeDetails.CodeDeployment x) {
      out.writeByte(2);
      out.writeUTF(x.mode());
      bytes(out, x.moduleHash().toBytes());
    } else if (d instanceof ManagementArgs.ChangeDetails.LoadSnapshot x) {
      out.writeByte(3);
      bytes(out, x.snapshotId().toBytes());
      out.writeLong(x.canisterVersion());
      out.writeLong(x.takenAtNanos());
    } else if (d instanceof ManagementArgs.ChangeDetails.ControllersChange x) {
      out.writeByte(4);
      principals(out, x.controllers());
    } else {
      throw new IllegalStateException("a change this file format does not know: " + d);
    }
  }

  private static void globals(DataOutputStream out, Checkpoint.Globals g, int count)
      throws IOException {
    out.writeInt(count);
    for (int i = 0; i < count; i++) {
      out.writeLong(g.low()[i]);
      out.writeLong(g.high()[i]);
    }
  }

  /** A memory's length in bytes, then its non-zero pages. */
  private static void dense(DataOutputStream out, PageSnapshot memory) throws IOException {
    out.writeLong(memory.byteSize());
    pages(out, memory);
  }

  /** A memory's non-zero pages, each its index and its bytes, then -1. */
  private static void pages(DataOutputStream out, PageSnapshot memory) throws IOException {
    IOException[] failed = {null};
    byte[] buffer = new byte[PAGE];
    memory.forEachNonZeroPage((index, contents) -> {
      if (failed[0] != null) {
        return;
      }
      try {
        contents.get(buffer);
        out.writeInt(index);
        out.write(buffer);
      } catch (IOException e) {
        failed[0] = e;
      }
    });
    if (failed[0] != null) {
      throw failed[0];
    }
    out.writeInt(-1);
  }

  private static boolean isZero(byte[] page, int from) {
    return isZero(page, from, PAGE);
  }

  private static boolean isZero(byte[] bytes, int from, int len) {
    return Arrays.mismatch(bytes, from, from + len, ZERO_PAGE, 0, len) < 0;
  }

  private static void chunks(DataOutputStream out, Map<Sha256, Chunk> chunks)
      throws IOException {
    out.writeInt(chunks.size());
    for (Chunk chunk : chunks.values()) {
      chunk.writeTo(out);
    }
  }

  private static void principals(DataOutputStream out, List<Principal> ps) throws IOException {
    out.writeInt(ps.size());
    for (Principal p : ps) {
      bytes(out, p.toBytes());
    }
  }

  /** A module as {@link #bytes} writes an array: a chunked module's chunks in order. */
  private static void module(DataOutputStream out, @Nullable ModuleBytes m) throws IOException {
    if (m == null) {
      out.writeInt(-1);
    } else {
      m.writeTo(out);
    }
  }

  private static void bytes(DataOutputStream out, byte @Nullable [] b) throws IOException {
    if (b == null) {
      out.writeInt(-1);
    } else {
      out.writeInt(b.length);
      out.write(b);
    }
  }

  // ---- reading ----

  /** Thrown for a file whose contents do not make a replica state; the caller names the file. */
  static final class Malformed extends IOException {
    private static final long serialVersionUID = 1L;

    Malformed(String message) {
      super(message);
    }
  }

  /**
   * Reads the canisters into {@code canisters} (which must be empty). Modules are validated and
   * instantiated under the replica's current limits; a canister's code gets its saved state
   * without its {@code canister_init}, {@code (start)} or any other entry point running.
   */
  static Header read(DataInputStream in, long size, Canisters canisters) throws IOException {
    Reader r = new Reader(in, size);
    byte[] rootKey = r.bytes();
    long time = in.readLong();
    long nextCanister = in.readLong();
    long nextSnapshot = in.readLong();
    int n = r.count();
    Map<Sha256, ModuleCode> checked = new HashMap<>();
    for (int i = 0; i < n; i++) {
      canisters.add(canister(r, canisters, checked));
    }
    return new Header(rootKey, time, nextCanister, nextSnapshot);
  }

  private static CanisterState canister(Reader r, Canisters canisters,
      Map<Sha256, ModuleCode> checked) throws IOException {
    DataInputStream in = r.in;
    Principal id = Principal.fromBytes(r.nonNull());
    List<Principal> controllers = r.principals();
    CanisterStatus.RunStatus status;
    String statusName = in.readUTF();
    try {
      status = CanisterStatus.RunStatus.valueOf(statusName);
    } catch (IllegalArgumentException e) {
      throw new Malformed("canister " + id + " has an unknown run status " + statusName);
    }
    BigInteger cycles = new BigInteger(r.nonNull());
    CanisterState c = new CanisterState(id, controllers, cycles);
    c.status = status;
    c.settings = ManagementCandid.decodeUpdateSettingsArgs(r.nonNull()).settings();
    c.version = in.readLong();
    c.totalChanges = in.readLong();
    int changes = r.count();
    for (int i = 0; i < changes; i++) {
      c.history.addLast(change(r));
    }
    r.chunks(c.chunkStore);
    byte[] installed = r.bytes();
    c.module = installed == null ? null : ModuleBytes.of(installed);
    byte[] hash = r.bytes();
    c.moduleHash = hash == null ? null : Sha256.fromBytes(hash);
    if (c.module != null && (c.moduleHash == null || !c.moduleHash.equals(c.module.sha256()))) {
      throw new Malformed("canister " + id + ": the module's hash is not the hash recorded");
    }
    c.enhancedOrthogonalPersistence = in.readBoolean();
    if (in.readBoolean()) {
      if (c.module == null) {
        throw new Malformed("canister " + id + " has code state but no module");
      }
      WasmCanister code = canisters.instantiate(c, check(canisters, c.module, c.moduleHash,
          checked));
      int pages = r.count();
      Map<Integer, byte[]> heap = r.sparse(pages);
      long[][] globals = r.globals();
      // Stable memory first: the (start) function, which must not run, could read it.
      code.stable().restore(r.dense());
      code.initializeWithoutStart();
      Memory m = code.instance().memory();
      if (m == null ? pages != 0 : !heap(m, pages, heap)) {
        throw new Malformed("canister " + id + ": main memory of " + pages + " pages does not"
            + " fit this replica's heap budget");
      }
      int own = code.ownGlobals();
      if (globals[0].length != own) {
        throw new Malformed("canister " + id + " has " + globals[0].length + " globals saved, its"
            + " module " + own);
      }
      for (int i = 0; i < own; i++) {
        code.instance().global(i).setValueLow(globals[0][i]);
        code.instance().global(i).setValueHigh(globals[1][i]);
      }
      code.certifiedData(r.nonNull());
      code.version(in.readLong());
      code.timerDeadline(in.readLong());
      c.code = code;
    }
    int snapshots = r.count();
    for (int i = 0; i < snapshots; i++) {
      Snapshot s = new Snapshot(SnapshotId.of(r.nonNull()), in.readLong(), in.readLong());
      byte[] saved = r.bytes();
      ModuleBytes module = saved == null ? null : ModuleBytes.of(saved);
      byte[] h = r.bytes();
      Sha256 moduleHash = h == null ? null : Sha256.fromBytes(h);
      boolean eop = in.readBoolean();
      Checkpoint cp = null;
      if (in.readBoolean()) {
        int pages = r.count();
        PageSnapshot memory = r.denseOf(pages);
        long[][] g = r.globals();
        PageSnapshot stable = r.dense();
        byte[] certified = r.nonNull();
        if (module == null) {
          throw new Malformed("a snapshot of canister " + id + " has code state but no module");
        }
        // The saved globals are the instance's when the snapshot was taken; the instance a load
        // makes now has the module's own globals and, if metered now, the counter after them.
        ModuleValidator.Checked m = check(canisters, module, moduleHash, checked).checked();
        int own = m.counterGlobal() >= 0 ? m.counterGlobal()
            : m.module().globalSection().globalCount();
        int count = m.counterGlobal() >= 0 ? own + 1 : own;
        if (g[0].length < own) {
          throw new Malformed("a snapshot of canister " + id + " has " + g[0].length
              + " globals saved, its module " + own);
        }
        long[] low = new long[count];
        long[] high = new long[count];
        System.arraycopy(g[0], 0, low, 0, own);
        System.arraycopy(g[1], 0, high, 0, own);
        cp = new Checkpoint(memory, new Checkpoint.Globals(low, high), stable, certified);
      }
      Map<Sha256, Chunk> chunks = new LinkedHashMap<>();
      r.chunks(chunks);
      c.snapshots.add(new CanisterState.SnapshotState(s, module, moduleHash, eop, cp, chunks,
          in.readLong()));
    }
    return c;
  }

  /** The module validated once per hash while reading (snapshots often hold the same one). */
  private static ModuleCode check(Canisters canisters, ModuleBytes module,
      @Nullable Sha256 hash, Map<Sha256, ModuleCode> checked) {
    Sha256 h = hash != null ? hash : module.sha256();
    return checked.computeIfAbsent(h, k -> canisters.load(module, h, "load_state"));
  }

  /** Grows {@code m} to {@code pages} and sets its contents; false when it cannot grow. */
  private static boolean heap(Memory m, int pages, Map<Integer, byte[]> contents) {
    int have = m.pages();
    if (pages > have && m.grow(pages - have) < 0) {
      return false;
    }
    if (pages < have) {
      return false;
    }
    // Instantiation wrote the data segments: every page not saved is zero.
    m.fill((byte) 0, 0, pages * PAGE);
    for (Map.Entry<Integer, byte[]> e : contents.entrySet()) {
      m.write(e.getKey() * PAGE, e.getValue());
    }
    return true;
  }

  private static ManagementArgs.Change change(Reader r) throws IOException {
    DataInputStream in = r.in;
    long time = in.readLong();
    long version = in.readLong();
    Principal origin = Principal.fromBytes(r.nonNull());
    boolean fromUser = in.readBoolean();
    int kind = in.readUnsignedByte();
    ManagementArgs.ChangeDetails d = switch (kind) {
      case 0 -> new ManagementArgs.ChangeDetails.Creation(r.principals());
      case 1 -> new ManagementArgs.ChangeDetails.CodeUninstall();
      case 2 -> new ManagementArgs.ChangeDetails.CodeDeployment(in.readUTF(),
          Sha256.fromBytes(r.nonNull()));
      case 3 -> new ManagementArgs.ChangeDetails.LoadSnapshot(SnapshotId.of(r.nonNull()),
          in.readLong(), in.readLong());
      case 4 -> new ManagementArgs.ChangeDetails.ControllersChange(r.principals());
      default -> throw new Malformed("a history change of unknown kind " + kind);
    };
    return new ManagementArgs.Change(time, version, origin, fromUser, d);
  }

  /** Reads with every length checked against the file's size, so damage cannot exhaust memory. */
  private static final class Reader {
    final DataInputStream in;
    private final long size;

    Reader(DataInputStream in, long size) {
      this.in = in;
      this.size = size;
    }

    int count() throws IOException {
      int n = in.readInt();
      if (n < 0 || n > size) {
        throw new Malformed("a count of " + n + " in a file of " + size + " bytes");
      }
      return n;
    }

    byte @Nullable [] bytes() throws IOException {
      int n = in.readInt();
      if (n == -1) {
        return null;
      }
      if (n < 0 || n > size) {
        throw new Malformed("a length of " + n + " in a file of " + size + " bytes");
      }
      byte[] b = new byte[n];
      in.readFully(b);
      return b;
    }

    byte[] nonNull() throws IOException {
      byte[] b = bytes();
      if (b == null) {
        throw new Malformed("a value missing");
      }
      return b;
    }

    List<Principal> principals() throws IOException {
      int n = count();
      List<Principal> ps = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        ps.add(Principal.fromBytes(nonNull()));
      }
      return List.copyOf(ps);
    }

    void chunks(Map<Sha256, Chunk> into) throws IOException {
      int n = count();
      for (int i = 0; i < n; i++) {
        byte[] chunk = nonNull();
        into.put(Sha256.of(chunk), Chunk.of(chunk));
      }
    }

    long[][] globals() throws IOException {
      int n = count();
      long[] low = new long[n];
      long[] high = new long[n];
      for (int i = 0; i < n; i++) {
        low[i] = in.readLong();
        high[i] = in.readLong();
      }
      return new long[][] {low, high};
    }

    /** The non-zero pages of a memory of {@code pages} pages. */
    Map<Integer, byte[]> sparse(int pages) throws IOException {
      Map<Integer, byte[]> out = new LinkedHashMap<>();
      int last = -1;
      for (int p = in.readInt(); p != -1; p = in.readInt()) {
        if (p <= last || p >= pages) {
          throw new Malformed("page " + p + " out of order or beyond " + pages + " pages");
        }
        byte[] page = new byte[PAGE];
        in.readFully(page);
        out.put(p, page);
        last = p;
      }
      return out;
    }

    /** A memory of {@code pages} pages, its pages shared by nothing else yet. */
    PageSnapshot denseOf(int pages) throws IOException {
      if (pages < 0) {
        throw new Malformed("a memory of " + pages + " pages");
      }
      PageSnapshot.Builder b = PageSnapshot.builder(pages);
      for (Map.Entry<Integer, byte[]> e : sparse(pages).entrySet()) {
        b.page(e.getKey(), ByteBuffer.wrap(e.getValue()));
      }
      return b.build();
    }

    /** A stable memory, written by {@link #dense}: whole pages, at most the IC's limit. */
    PageSnapshot dense() throws IOException {
      long length = in.readLong();
      if (length < 0 || length % PAGE != 0 || length / PAGE > StableMemory.MAX_PAGES) {
        throw new Malformed("a stable memory of " + length + " bytes");
      }
      return denseOf((int) (length / PAGE));
    }
  }
}
