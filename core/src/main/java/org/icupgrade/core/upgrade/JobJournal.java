package org.icupgrade.core.upgrade;

/**
 * Where an upgrade job's progress is persisted: before each phase starts and after it ends, so
 * that a job whose process died can be resumed from its last saved phase. A registry-backed
 * journal also renews the job's lease on every save, and refuses (with
 * {@link JobAbandonedException}) when another runner has taken the job over: the job then stops
 * at once, acting no more on the canister.
 */
@FunctionalInterface
public interface JobJournal {
  /** A journal that keeps nothing: the job cannot be resumed after a crash. */
  JobJournal NONE = progress -> {};

  /**
   * Persists {@code progress}.
   *
   * @param progress where the job stands
   * @throws JobAbandonedException when this runner no longer owns the job
   */
  void save(UpgradeProgress progress);
}
