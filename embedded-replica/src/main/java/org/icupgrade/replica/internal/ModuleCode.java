package org.icupgrade.replica.internal;

import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import java.lang.ref.SoftReference;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.icupgrade.core.Sha256;
import org.jspecify.annotations.Nullable;

/**
 * A module as the replica runs it, shared by every canister, rollback and snapshot load that runs
 * the same bytes: the bytes as installed (one array per distinct module), what validation decoded
 * and rewrote ({@link ModuleValidator.Checked}) and, once asked for, the compiled code (Chicory's
 * {@link MachineFactoryCompiler} result, which every instance of the module can use).
 *
 * <p>{@link #CACHE} keeps the most recently used modules of this JVM, so that installing one
 * module into many canisters (a fleet, a test suite starting many replicas) decodes, rewrites and
 * compiles it once.
 */
final class ModuleCode {
  /** How many modules have been compiled in this JVM, for tests that count compiles. */
  static final AtomicLong COMPILES = new AtomicLong();

  /** The modules of this JVM, by the hash of their bytes as installed and the metering. */
  static final Cache CACHE = new Cache(32);

  private final ModuleBytes installed;
  private final ModuleValidator.Checked checked;
  /** The initial memory contents every instance of this module shares. */
  final JournaledMemory.InitialImage initialImage;
  private boolean compileTried;
  private @Nullable Function<Instance, Machine> machine;
  private @Nullable RuntimeException compileFailure;
  private @Nullable LinkageError compileLinkageFailure;

  ModuleCode(byte[] installed, ModuleValidator.Checked checked) {
    this(ModuleBytes.of(installed), checked);
  }

  ModuleCode(ModuleBytes installed, ModuleValidator.Checked checked) {
    this.installed = installed;
    this.checked = checked;
    this.initialImage = new JournaledMemory.InitialImage(checked.data());
  }

  /** The module as installed (gzip stays gzip), its chunks when it was installed from them. */
  ModuleBytes installed() {
    return installed;
  }

  ModuleValidator.Checked checked() {
    return checked;
  }

  /**
   * The compiled code of {@link #checked()}'s module, compiled the first time it is asked for;
   * a failure to compile is remembered and thrown again.
   *
   * @throws RuntimeException or {@link LinkageError} when Chicory's compiler fails
   */
  synchronized Function<Instance, Machine> machine() {
    if (!compileTried) {
      compileTried = true;
      COMPILES.incrementAndGet();
      try {
        // A function too large for one JVM method runs in the interpreter inside the compiled
        // machine (Chicory's SILENT fallback): the counter is in its code too, so it is metered
        // the same.
        machine = MachineFactoryCompiler.builder(checked.module())
            .withInterpreterFallback(InterpreterFallback.SILENT).compile();
      } catch (RuntimeException e) {
        compileFailure = e;
      } catch (LinkageError e) {
        compileLinkageFailure = e;
      }
    }
    if (compileFailure != null) {
      throw compileFailure;
    }
    if (compileLinkageFailure != null) {
      throw compileLinkageFailure;
    }
    return machine;
  }

  /**
   * A bounded cache of modules: at most {@code capacity} entries, least recently used first out,
   * each held softly so that a heap under pressure can drop them (a canister holds its own
   * module; only sharing is lost).
   */
  static final class Cache {
    private record Key(Sha256 hash, boolean metered) {}

    private final int capacity;
    private final Map<Key, SoftReference<ModuleCode>> entries;

    Cache(int capacity) {
      this.capacity = capacity;
      this.entries = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, SoftReference<ModuleCode>> eldest) {
          return size() > Cache.this.capacity;
        }
      };
    }

    /**
     * The module whose installed bytes hash to {@code hash} (the caller computed it from
     * {@code installed}); decoded with {@code decode} when it is not cached. A module that does
     * not validate throws and is not cached. The rewrite is a function of the installed bytes
     * and the metering, so they are the key: a hit skips the rewrite and the parse as well as
     * the compile.
     */
    ModuleCode get(Sha256 hash, boolean metered, byte[] installed,
        Supplier<ModuleValidator.Checked> decode) {
      return get(hash, metered, ModuleBytes.of(installed), bytes -> decode.get());
    }

    /**
     * As {@link #get(Sha256, boolean, byte[], Supplier)} for a module as installed from its
     * chunks (never joined), decoded from them with {@code decode} when it is not cached.
     */
    ModuleCode get(Sha256 hash, boolean metered, ModuleBytes installed,
        Function<ModuleBytes, ModuleValidator.Checked> decode) {
      long length = installed.length();
      Key key = new Key(hash, metered);
      synchronized (this) {
        SoftReference<ModuleCode> ref = entries.get(key);
        ModuleCode hit = ref == null ? null : ref.get();
        if (hit != null && hit.installed.length() == length) {
          return hit;
        }
      }
      // Decoded outside the lock: a large module takes seconds, and other modules need not wait.
      ModuleCode made = new ModuleCode(installed, decode.apply(installed));
      synchronized (this) {
        SoftReference<ModuleCode> ref = entries.get(key);
        ModuleCode raced = ref == null ? null : ref.get();
        if (raced != null && raced.installed.length() == length) {
          return raced;
        }
        entries.put(key, new SoftReference<>(made));
        return made;
      }
    }

    synchronized int size() {
      return entries.size();
    }

    synchronized void clear() {
      entries.clear();
    }
  }
}
