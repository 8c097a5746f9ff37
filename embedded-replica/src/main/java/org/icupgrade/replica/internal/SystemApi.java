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
import org.jspecify.annotations.Nullable;

/**
 * The ic0 functions of the interface spec ("Overview of imports"): the type each must be imported
 * with and the entry points it may be called from. A module importing a known function with
 * another type is refused at install; calling a function from an entry point the spec does not
 * list traps, as on the IC.
 *
 * <p>Chicory has no 64-bit memories, so the spec's pointer type {@code I} is always {@code i32}.
 * The composite-query contexts ({@code CQ CRy CRt CC}) never occur here: the replica runs no
 * composite queries.
 */
final class SystemApi {
  private SystemApi() {}

  /** One ic0 function: its type and where it may be called. */
  record Function(String name, FunctionType type, Set<Kind> callableFrom) {}

  private static final Map<String, Function> FUNCTIONS = new HashMap<>();

  static {
    // Transcribed from the spec's table; the letters are the spec's (see contexts()).
    def("msg_arg_data_size", "->I", "I U RQ NRQ CQ Ry CRy F");
    def("msg_arg_data_copy", "I,I,I->", "I U RQ NRQ CQ Ry CRy F");
    def("msg_caller_size", "->I", "*");
    def("msg_caller_copy", "I,I,I->", "*");
    def("msg_reject_code", "->i32", "Ry Rt CRy CRt");
    def("msg_reject_msg_size", "->I", "Rt CRt");
    def("msg_reject_msg_copy", "I,I,I->", "Rt CRt");
    def("msg_deadline", "->i64", "U RQ NRQ CQ Ry Rt CRy CRt");
    def("msg_reply_data_append", "I,I->", "U RQ NRQ CQ Ry Rt CRy CRt");
    def("msg_reply", "->", "U RQ NRQ CQ Ry Rt CRy CRt");
    def("msg_reject", "I,I->", "U RQ NRQ CQ Ry Rt CRy CRt");
    def("msg_cycles_available128", "I->", "U RQ Rt Ry");
    def("msg_cycles_refunded128", "I->", "Rt Ry");
    def("msg_cycles_accept128", "i64,i64,I->", "U RQ Rt Ry");
    def("cycles_burn128", "i64,i64,I->", "I G U RQ Ry Rt C T");
    def("canister_self_size", "->I", "*");
    def("canister_self_copy", "I,I,I->", "*");
    def("canister_cycle_balance128", "I->", "*");
    def("canister_liquid_cycle_balance128", "I->", "*");
    def("canister_status", "->i32", "*");
    def("canister_version", "->i64", "*");
    def("subnet_self_size", "->I", "*");
    def("subnet_self_copy", "I,I,I->", "*");
    def("msg_method_name_size", "->I", "F");
    def("msg_method_name_copy", "I,I,I->", "F");
    def("accept_message", "->", "F");
    def("call_new", "I,I,I,I,I,I,I,I->", "U CQ Ry Rt CRy CRt T");
    def("call_on_cleanup", "I,I->", "U CQ Ry Rt CRy CRt T");
    def("call_data_append", "I,I->", "U CQ Ry Rt CRy CRt T");
    def("call_with_best_effort_response", "i32->", "U CQ Ry Rt CRy CRt T");
    def("call_cycles_add128", "i64,i64->", "U Ry Rt T");
    def("call_perform", "->i32", "U CQ Ry Rt CRy CRt T");
    def("stable64_size", "->i64", "* s");
    def("stable64_grow", "i64->i64", "* s");
    def("stable64_write", "i64,i64,i64->", "* s");
    def("stable64_read", "i64,i64,i64->", "* s");
    def("certified_data_set", "I,I->", "I G U Ry Rt T");
    def("data_certificate_present", "->i32", "*");
    def("data_certificate_size", "->I", "NRQ CQ");
    def("data_certificate_copy", "I,I,I->", "NRQ CQ");
    def("time", "->i64", "*");
    def("global_timer_set", "i64->i64", "I G U Ry Rt C T");
    def("performance_counter", "i32->i64", "* s");
    def("is_controller", "I,I->i32", "* s");
    def("in_replicated_execution", "->i32", "* s");
    def("cost_call", "i64,i64,I->", "* s");
    def("cost_create_canister", "I->", "* s");
    def("cost_http_request", "i64,i64,I->", "* s");
    def("cost_sign_with_ecdsa", "I,I,i32,I->i32", "* s");
    def("cost_sign_with_schnorr", "I,I,i32,I->i32", "* s");
    def("cost_vetkd_derive_key", "I,I,i32,I->i32", "* s");
    def("env_var_count", "->I", "*");
    def("env_var_name_size", "I->I", "*");
    def("env_var_name_copy", "I,I,I,I->", "*");
    def("env_var_value_size", "I,I->I", "*");
    def("env_var_value_copy", "I,I,I,I,I->", "*");
    def("debug_print", "I,I->", "* s");
    def("trap", "I,I->", "* s");
    // Only for 32-bit memories, which are the only ones here.
    def("msg_cycles_available", "->i64", "U RQ Rt Ry");
    def("msg_cycles_refunded", "->i64", "Rt Ry");
    def("msg_cycles_accept", "i64->i64", "U RQ Rt Ry");
    def("canister_cycle_balance", "->i64", "*");
    def("call_cycles_add", "i64->", "U Ry Rt T");
    def("stable_size", "->i32", "* s");
    def("stable_grow", "i32->i32", "* s");
    def("stable_write", "i32,i32,i32->", "* s");
    def("stable_read", "i32,i32,i32->", "* s");
    // Not in the spec's table this replica follows; given to every entry point like the
    // canister id, since toolchains that verify certificates import it.
    def("root_key_size", "->I", "*");
    def("root_key_copy", "I,I,I->", "*");
  }

  /** The spec's function, or null for a name the spec does not list. */
  static @Nullable Function lookup(String name) {
    return FUNCTIONS.get(name);
  }

  /** Whether {@code name} may be called from {@code kind}; names the spec does not list may. */
  static boolean callable(String name, Kind kind) {
    Function f = FUNCTIONS.get(name);
    return f == null || f.callableFrom().contains(kind);
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

  private static void def(String name, String signature, String letters) {
    int arrow = signature.indexOf("->");
    FunctionType type = FunctionType.of(
        types(signature.substring(0, arrow)), types(signature.substring(arrow + 2)));
    FUNCTIONS.put(name, new Function(name, type, contexts(letters)));
  }

  private static List<ValType> types(String list) {
    List<ValType> out = new ArrayList<>();
    for (String t : list.split(",")) {
      switch (t) {
        case "":
          break;
        case "I":
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
