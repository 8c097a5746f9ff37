package org.icupgrade.replica.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import org.jspecify.annotations.Nullable;

/**
 * A replica's state directory: where its whole state survives the process, so that a replica
 * started again on the same directory is the same replica.
 *
 * <p><b>When state is written.</b> A checkpoint after every change: each ingress update (the
 * management canister's methods included), each canister creation and each round of timers is
 * followed by a checkpoint before its answer is returned, so an answer a client has seen is never
 * lost, whatever stops the process afterwards. The IC checkpoints periodically and replays its
 * blocks; this replica has no block log to replay, so it writes each state it acknowledges. The
 * cost is one write of the whole state (non-zero pages only) per update; calls that end while a
 * checkpoint is being written share the next one (a call waits only for a checkpoint that
 * includes it). Queries write nothing. Measured ({@code StateDirBenchmark}, one loaded run): an
 * update costs 6 µs in memory, about 18 ms with a small state (mostly the two {@code fsync}s) and
 * 59 ms with 16 MiB of other state, all of which each checkpoint writes again. Incremental
 * checkpoints (only what changed) would cut the second number; not done.
 *
 * <p><b>Crash safety.</b> A checkpoint is written to a temporary file, forced to the disk, then
 * moved atomically to {@code state-<n>.bin} ({@code n} one more than the last); the directory is
 * then forced and checkpoints older than the previous one are deleted. Whenever the process
 * stops, the newest {@code state-<n>.bin} is complete, and the one before it is kept beside it
 * (delete a damaged newest file to fall back to it knowingly). A file that does not load is
 * refused, never skipped: loading an older state silently would lose acknowledged changes.
 *
 * <p><b>Format.</b> {@code "ICRSTATE"}, the format version ({@code int}, now {@value #VERSION}),
 * the body ({@link StateFile}), and the CRC-32C of everything before it ({@code int}). A file of
 * another version, a truncated file and a file whose checksum does not match are refused with a
 * message naming the file and the directory.
 *
 * <p><b>The root key.</b> The BLS12-381 secret key that signs certificates is in {@code
 * root-key} (hex), created with the file mode 0600 where the file system has POSIX permissions,
 * apart from the state so that the state files can be copied without it; each checkpoint records
 * the public key, and a directory whose key does not match its state is refused.
 *
 * <p>One process at a time: a lock on {@code lock} is held until {@link #close()}.
 */
final class StateDirectory implements AutoCloseable {
  /** The version of the checkpoint format this replica writes and reads. */
  static final int VERSION = 1;

  static final byte[] MAGIC = "ICRSTATE".getBytes(StandardCharsets.US_ASCII);
  static final String KEY_FILE = "root-key";
  private static final String PREFIX = "state-";
  private static final String SUFFIX = ".bin";

  /** Writes a checkpoint's body. */
  @FunctionalInterface
  interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  /** Reads a checkpoint's body of {@code size} bytes at most. */
  @FunctionalInterface
  interface Loader {
    void load(DataInputStream in, long size) throws IOException;
  }

  private final Path dir;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final byte[] secretKey;
  /**
   * Held (shared) while a change runs, exclusively while a checkpoint is written: a checkpoint
   * sees no change half done.
   */
  private final ReentrantReadWriteLock changing = new ReentrantReadWriteLock();
  /** Changes that have ended. */
  private final AtomicLong changes = new AtomicLong();
  /** The changes the last checkpoint includes; guarded by {@link #changing}'s write lock. */
  private long written;
  /** The number of the last checkpoint file; guarded by the write lock. */
  private long sequence;
  private @Nullable Writer writer;
  private volatile boolean closed;
  private final boolean fresh;

  private StateDirectory(Path dir, FileChannel lockChannel, FileLock lock, byte[] secretKey,
      long sequence) {
    this.dir = dir;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.secretKey = secretKey;
    this.sequence = sequence;
    this.fresh = sequence == 0;
  }

  /**
   * Opens {@code dir}, creating it (and its root key) when it does not exist or is empty.
   *
   * @throws UncheckedIOException when it is in use, unreadable, or its root key is damaged
   */
  static StateDirectory open(Path dir) {
    Path d = dir.toAbsolutePath();
    FileChannel channel = null;
    try {
      Files.createDirectories(d);
      channel = FileChannel.open(d.resolve("lock"), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        throw new IOException("state directory " + d + " is in use by another replica in this"
            + " JVM; close that replica first");
      }
      if (lock == null) {
        throw new IOException("state directory " + d + " is in use by another process");
      }
      long sequence = latest(d);
      byte[] key = key(d, sequence != 0);
      return new StateDirectory(d, channel, lock, key, sequence);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new UncheckedIOException(e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  Path path() {
    return dir;
  }

  /** The BLS12-381 secret key of the replica this directory holds. */
  byte[] secretKey() {
    return secretKey.clone();
  }

  /** Whether no checkpoint was there when the directory was opened. */
  boolean fresh() {
    return fresh;
  }

  /** Where checkpoints come from from now on. */
  void writer(Writer w) {
    this.writer = w;
  }

  /**
   * Loads the newest checkpoint with {@code loader}; does nothing in a fresh directory.
   *
   * @throws UncheckedIOException naming the file when it is truncated, damaged, of another
   *     format version, or does not make a replica state
   */
  void load(Loader loader) {
    if (sequence == 0) {
      return;
    }
    Path file = file(sequence);
    try {
      long size = Files.size(file);
      int header = MAGIC.length + 4;
      if (size < header + 4) {
        throw refused(file, "it is truncated (" + size + " bytes)");
      }
      try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
        byte[] magic = in.readNBytes(MAGIC.length);
        if (!Arrays.equals(magic, MAGIC)) {
          throw refused(file, "it is not a replica state file (it does not begin with ICRSTATE)");
        }
        int version = new DataInputStream(in).readInt();
        if (version != VERSION) {
          throw refused(file, "it is in state format version " + version + ", and this replica"
              + " reads version " + VERSION + " only; open it with the replica that wrote it");
        }
      }
      // The checksum first, over the whole file: nothing is parsed from a damaged file.
      CRC32C crc = new CRC32C();
      int stored;
      try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
        byte[] buf = new byte[1 << 16];
        long left = size - 4;
        while (left > 0) {
          int n = in.read(buf, 0, (int) Math.min(buf.length, left));
          if (n < 0) {
            throw new EOFException();
          }
          crc.update(buf, 0, n);
          left -= n;
        }
        stored = new DataInputStream(in).readInt();
      }
      if ((int) crc.getValue() != stored) {
        throw refused(file, "its checksum does not match: it is truncated or damaged (the"
            + " previous checkpoint, if any, is kept beside it: delete this file to fall back"
            + " to it)");
      }
      try (DataInputStream in = new DataInputStream(new BufferedInputStream(
          Files.newInputStream(file), 1 << 16))) {
        in.skipNBytes(header);
        loader.load(in, size);
      } catch (EOFException e) {
        throw refused(file, "it ends before its state does");
      } catch (StateFile.Malformed e) {
        throw refused(file, e.getMessage());
      } catch (RuntimeException e) {
        throw refused(file, "its state does not load: " + e.getMessage());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
  }

  /**
   * Runs a change of the replica's state, then makes sure a checkpoint that includes it is on
   * disk before returning (or throwing) what the change did.
   *
   * @throws IllegalStateException if the directory is closed
   * @throws UncheckedIOException if the checkpoint cannot be written
   */
  <T> T change(Supplier<T> change) {
    long mine = 0;
    changing.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("the replica on state directory " + dir
            + " is closed");
      }
      try {
        return change.get();
      } finally {
        mine = changes.incrementAndGet();
      }
    } finally {
      changing.readLock().unlock();
      if (mine != 0) {
        checkpoint(mine);
      }
    }
  }

  /** Writes a checkpoint unless one including change {@code mine} has been written. */
  private void checkpoint(long mine) {
    changing.writeLock().lock();
    try {
      if (written >= mine) {
        return;
      }
      long upTo = changes.get();
      write();
      written = upTo;
    } catch (IOException e) {
      throw new UncheckedIOException("state directory " + dir + ": the checkpoint could not be"
          + " written: " + e.getMessage(), e);
    } finally {
      changing.writeLock().unlock();
    }
  }

  /** Writes a checkpoint now, under the write lock. */
  void checkpointNow() {
    checkpoint(changes.incrementAndGet());
  }

  private void write() throws IOException {
    Writer w = writer;
    if (w == null) {
      throw new IllegalStateException("no writer");
    }
    long next = sequence + 1;
    Path target = file(next);
    Path tmp = dir.resolve(target.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      CRC32C crc = new CRC32C();
      OutputStream raw = Channels.newOutputStream(ch);
      // Not closed here: closing would close the channel before it is forced.
      DataOutputStream out = new DataOutputStream(new CheckedOutputStream(
          new BufferedOutputStream(new NonClosing(raw), 1 << 16), crc));
      out.write(MAGIC);
      out.writeInt(VERSION);
      w.write(out);
      out.flush();
      new DataOutputStream(raw).writeInt((int) crc.getValue());
      ch.force(true);
    }
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target);
    }
    forceDirectory();
    sequence = next;
    for (long old : sequences(dir)) {
      if (old < next - 1) {
        Files.deleteIfExists(file(old));
      }
    }
  }

  private void forceDirectory() {
    // Makes the rename durable on Linux; other systems may refuse to open a directory.
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // Not supported here: the rename is as durable as the file system makes it.
    }
  }

  /** Writes a last checkpoint, if anything changed since the last, and releases the directory. */
  @Override
  public void close() {
    changing.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      if (writer != null && written < changes.get()) {
        write();
        written = changes.get();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("state directory " + dir + ": the last checkpoint could"
          + " not be written: " + e.getMessage(), e);
    } finally {
      try {
        lock.release();
      } catch (IOException e) {
        // Closing the channel releases it too.
      }
      closeQuietly(lockChannel);
      changing.writeLock().unlock();
    }
  }

  private Path file(long n) {
    return dir.resolve(String.format("%s%016d%s", PREFIX, n, SUFFIX));
  }

  private IOException refused(Path file, String why) {
    return new IOException("state directory " + dir + " refused: " + file.getFileName() + ": "
        + why);
  }

  /** The number of the newest checkpoint in {@code dir}, 0 when there is none. */
  private static long latest(Path dir) throws IOException {
    List<Long> all = sequences(dir);
    return all.isEmpty() ? 0 : all.get(all.size() - 1);
  }

  private static List<Long> sequences(Path dir) throws IOException {
    List<Long> out = new ArrayList<>();
    try (var files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String name = p.getFileName().toString();
        if (name.startsWith(PREFIX) && name.endsWith(SUFFIX)) {
          try {
            out.add(Long.parseLong(name.substring(PREFIX.length(),
                name.length() - SUFFIX.length())));
          } catch (NumberFormatException e) {
            // Not ours.
          }
        }
      }
    }
    out.sort(null);
    return out;
  }

  private static byte[] key(Path dir, boolean hasState) throws IOException {
    Path file = dir.resolve(KEY_FILE);
    if (Files.exists(file)) {
      String hex = Files.readString(file, StandardCharsets.US_ASCII).strip();
      try {
        byte[] key = HexFormat.of().parseHex(hex);
        new Certifier(key);
        return key;
      } catch (RuntimeException e) {
        throw new IOException("state directory " + dir + " refused: " + KEY_FILE
            + " does not hold a BLS12-381 secret key (64 hex digits)");
      }
    }
    if (hasState) {
      throw new IOException("state directory " + dir + " refused: it has checkpoints but no "
          + KEY_FILE + "; restore the key file (certificates are signed with it)");
    }
    byte[] key = Certifier.newSecretKey();
    Path tmp = dir.resolve(KEY_FILE + ".tmp");
    Files.deleteIfExists(tmp);
    FileAttribute<?>[] attrs = dir.getFileSystem().supportedFileAttributeViews().contains("posix")
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rw-------"))}
        : new FileAttribute<?>[0];
    try (FileChannel ch = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE), attrs)) {
      ch.write(java.nio.ByteBuffer.wrap((HexFormat.of().formatHex(key) + "\n")
          .getBytes(StandardCharsets.US_ASCII)));
      ch.force(true);
    } catch (FileAlreadyExistsException e) {
      throw new IOException("state directory " + dir + ": " + tmp + " appeared meanwhile");
    }
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file);
    }
    return key;
  }

  private static void closeQuietly(@Nullable FileChannel c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException e) {
        // Nothing more to release.
      }
    }
  }

  /** Lets the checksum's stream be flushed without closing the channel under it. */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
