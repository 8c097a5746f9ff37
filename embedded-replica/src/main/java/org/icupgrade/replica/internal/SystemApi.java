package org.icupgrade.replica.internal;

import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.icupgrade.replica.internal.WasmCanister.Kind;
import org.icupgrade.replica.internal.WasmCanister.Trap;
import org.jspecify.annotations.Nullable;

/**
 * The ic0 functions: each defined once, in the class of its group ({@link Ic0Message}, {@link
 * Ic0Call}, {@link Ic0Stable}, {@link Ic0Canister}, {@link Ic0System}), with the type the
 * interface spec ("Overview of imports") says it must be imported with, the entry points it may
 * be called from, and its implementation. A module importing a known function with another type
 * is refused at install; calling a function from an entry point the spec does not list traps, as
 * on the IC.
 *
 * <p>The spec's pointer type {@code I} is {@code i32} for a module with a 32-bit memory and
 * {@code i64} for one with a 64-bit memory (which {@link Memory64Lowering} makes 32-bit to run
 * it; the implementations take every argument as a {@code long} either way).
 * The composite-query contexts ({@code CQ CRy CRt CC}) never occur here: the replica runs no
 * composite queries.
 */
final class SystemApi {
  private SystemApi() {}

  /** An ic0 function's implementation: its arguments in, its results out (null for none). */
  @FunctionalInterface
  interface Handler {
    long @Nullable [] apply(SystemCall call, long[] args);
  }

  /**
   * One ic0 function: its type (null for a function the spec's table does not list, which links
   * with any type), where it may be called, and what it does.
   */
  record Function(String name, @Nullable FunctionType type, @Nullable FunctionType type64,
      Set<Kind> callableFrom, Handler handler) {}

  /** What a group of functions defines its functions in. */
  static final class Table {
    private final Map<String, Function> functions = new HashMap<>();

    private Table() {}

    /**
     * Defines a function of the spec's table: its type as {@code "params->results"} with the
     * spec's letters ({@code I} for a pointer), the contexts it may be called from in the spec's
     * letters (see {@code contexts}), and its implementation.
     */
    void def(String name, String signature, String letters, Handler handler) {
      int arrow = signature.indexOf("->");
      String params = signature.substring(0, arrow);
      String results = signature.substring(arrow + 2);
      FunctionType type = FunctionType.of(types(params, false), types(results, false));
      FunctionType type64 = FunctionType.of(types(params, true), types(results, true));
      add(new Function(name, type, type64, contexts(letters), handler));
    }

    /** Defines a function the spec's table does not list: any type, callable from anywhere. */
    void unlisted(String name, Handler handler) {
      add(new Function(name, null, null, EnumSet.allOf(Kind.class), handler));
    }

    private void add(Function f) {
      if (functions.putIfAbsent(f.name(), f) != null) {
        throw new IllegalStateException("ic0." + f.name() + " is defined twice");
      }
    }
  }

  /** For a function this replica does not implement: calling it traps naming it. */
  static final Handler NOT_PROVIDED = (s, a) -> {
    throw new Trap("ic0." + s.name() + " is not provided by the embedded replica");
  };

  // After NOT_PROVIDED, which the groups use.
  private static final Map<String, Function> FUNCTIONS = table();

  private static Map<String, Function> table() {
    Table t = new Table();
    Ic0Message.define(t);
    Ic0Call.define(t);
    Ic0Stable.define(t);
    Ic0Canister.define(t);
    Ic0System.define(t);
    return Map.copyOf(t.functions);
  }

  /** The function, or null for a name this replica does not know. */
  static @Nullable Function lookup(String name) {
    return FUNCTIONS.get(name);
  }

  /** What calling {@code name} does: its implementation, or a trap for an unknown name. */
  static Handler handler(String name) {
    Function f = FUNCTIONS.get(name);
    return f == null ? NOT_PROVIDED : f.handler();
  }

  /** Whether {@code name} may be called from {@code kind}; names the spec does not list may. */
  static boolean callable(String name, Kind kind) {
    Function f = FUNCTIONS.get(name);
    return f == null || f.callableFrom().contains(kind);
  }

  /** One result. */
  static long[] i(long v) {
    return new long[] {v};
  }

  /** No result. */
  static long @Nullable [] none() {
    return null;
  }

  /** The entry point a kind of message runs, as the IC names it in its errors. */
  static String entryPoint(Kind kind) {
    switch (kind) {
      case START:
        return "the (start) function";
      case INSPECT:
        return "canister_inspect_message";
      case INIT:
        return "canister_init";
      case PRE_UPGRADE:
        return "canister_pre_upgrade";
      case POST_UPGRADE:
        return "canister_post_upgrade";
      case UPDATE:
        return "an update method";
      case QUERY:
        return "a query method";
      case REPLY_CALLBACK:
        return "a reply callback";
      case REJECT_CALLBACK:
        return "a reject callback";
      case CLEANUP:
        return "a cleanup callback";
      case TIMER:
        return "canister_global_timer";
      default:
        throw new IllegalArgumentException(kind.name());
    }
  }

  /** Renders a type as the spec writes it, e.g. {@code (i32, i32) -> ()}. */
  static String render(FunctionType t) {
    return "(" + names(t.params()) + ") -> (" + names(t.returns()) + ")";
  }

  private static String names(List<ValType> types) {
    List<String> s = new ArrayList<>();
    for (ValType v : types) {
      s.add(v.equals(ValType.I32) ? "i32" : v.equals(ValType.I64) ? "i64" : v.toString());
    }
    return String.join(", ", s);
  }

  /** The types of a list in the spec's letters; {@code I} is i64 when {@code wasm64}. */
  private static List<ValType> types(String list, boolean wasm64) {
    List<ValType> out = new ArrayList<>();
    for (String t : list.split(",")) {
      switch (t) {
        case "":
          break;
        case "I":
          out.add(wasm64 ? ValType.I64 : ValType.I32);
          break;
        case "i32":
          out.add(ValType.I32);
          break;
        case "i64":
          out.add(ValType.I64);
          break;
        default:
          throw new IllegalArgumentException(t);
      }
    }
    return out;
  }

  /**
   * The spec's context letters as the kinds of message the replica runs. Queries are run both
   * from ingress (non-replicated) and from other canisters (replicated), so {@code RQ} and
   * {@code NRQ} both mean {@link Kind#QUERY}.
   */
  private static Set<Kind> contexts(String letters) {
    Set<Kind> kinds = EnumSet.noneOf(Kind.class);
    for (String l : letters.split(" ")) {
      switch (l) {
        case "*":
          kinds.addAll(EnumSet.complementOf(EnumSet.of(Kind.START)));
          break;
        case "s":
          kinds.add(Kind.START);
          break;
        case "I":
          kinds.add(Kind.INIT);
          kinds.add(Kind.POST_UPGRADE);
          break;
        case "G":
          kinds.add(Kind.PRE_UPGRADE);
          break;
        case "U":
          kinds.add(Kind.UPDATE);
          break;
        case "RQ":
        case "NRQ":
          kinds.add(Kind.QUERY);
          break;
        case "Ry":
          kinds.add(Kind.REPLY_CALLBACK);
          break;
        case "Rt":
          kinds.add(Kind.REJECT_CALLBACK);
          break;
        case "C":
          kinds.add(Kind.CLEANUP);
          break;
        case "T":
          kinds.add(Kind.TIMER);
          break;
        case "CQ":
        case "CRy":
        case "CRt":
        case "CC":
          break; // composite queries are not run by this replica
        case "F":
          kinds.add(Kind.INSPECT);
          break;
        default:
          throw new IllegalArgumentException(l);
      }
    }
    return kinds;
  }
}
