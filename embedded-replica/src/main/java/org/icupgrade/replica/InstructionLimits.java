package org.icupgrade.replica;

/**
 * How many WASM instructions one message may execute on the embedded replica, per kind of
 * message, as the IC limits them (interface spec, "Resource limits"; the IC's values are in
 * {@link #IC}). A message that goes over its kind's limit traps with the IC's reject
 * ({@code IC0522}, "Canister exceeded the limit of N instructions for single message execution")
 * and its changes roll back.
 *
 * <ul>
 *   <li>{@link #install()}: one {@code install_code} (or {@code install_chunked_code}), counted
 *       over all the hooks it runs together, as the IC counts them: the module's {@code (start)}
 *       function and {@code canister_init}; or the old module's {@code canister_pre_upgrade}, the
 *       new module's {@code (start)} function and its {@code canister_post_upgrade}.
 *   <li>{@link #update()}: an update method, and each reply, reject or cleanup callback and
 *       global timer, each being a message execution of its own on the IC.
 *   <li>{@link #query()}: a query method.
 *   <li>{@link #inspect()}: {@code canister_inspect_message}.
 * </ul>
 *
 * <p>Tests that want runaway code stopped quickly choose smaller limits: {@link #uniform(long)}
 * gives every kind the same limit (what {@code EmbeddedReplica.start(clock, limit)} does), and the
 * {@code with...} methods change one kind.
 *
 * @param install the limit of one install or upgrade, all its hooks together
 * @param update the limit of an update method, a callback or a timer
 * @param query the limit of a query method
 * @param inspect the limit of {@code canister_inspect_message}
 */
public record InstructionLimits(long install, long update, long query, long inspect) {
  /**
   * The IC's limits (interface spec, "Resource limits"; /work/shared/IC-NOTES.md): 300 billion
   * for an install or upgrade, 40 billion for an update, 5 billion for a query, 200 million for
   * {@code canister_inspect_message}.
   */
  public static final InstructionLimits IC =
      new InstructionLimits(300_000_000_000L, 40_000_000_000L, 5_000_000_000L, 200_000_000L);

  /**
   * Checks that every limit is positive.
   *
   * @throws IllegalArgumentException if a limit is zero or negative
   */
  public InstructionLimits {
    positive("install", install);
    positive("update", update);
    positive("query", query);
    positive("inspect", inspect);
  }

  /**
   * The same limit for every kind of message.
   *
   * @param limit the most instructions any one message may execute
   * @return the limits
   */
  public static InstructionLimits uniform(long limit) {
    return new InstructionLimits(limit, limit, limit, limit);
  }

  /**
   * These limits with another install limit.
   *
   * @param limit the most instructions one install or upgrade may execute, hooks together
   * @return the new limits
   */
  public InstructionLimits withInstall(long limit) {
    return new InstructionLimits(limit, update, query, inspect);
  }

  /**
   * These limits with another update limit.
   *
   * @param limit the most instructions an update method, callback or timer may execute
   * @return the new limits
   */
  public InstructionLimits withUpdate(long limit) {
    return new InstructionLimits(install, limit, query, inspect);
  }

  /**
   * These limits with another query limit.
   *
   * @param limit the most instructions a query method may execute
   * @return the new limits
   */
  public InstructionLimits withQuery(long limit) {
    return new InstructionLimits(install, update, limit, inspect);
  }

  /**
   * These limits with another limit for {@code canister_inspect_message}.
   *
   * @param limit the most instructions {@code canister_inspect_message} may execute
   * @return the new limits
   */
  public InstructionLimits withInspect(long limit) {
    return new InstructionLimits(install, update, query, limit);
  }

  private static void positive(String kind, long limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("the " + kind + " instruction limit must be positive, got "
          + limit);
    }
  }
}
