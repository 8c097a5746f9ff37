package org.icupgrade.core.install;

/**
 * Hears the progress of an install, one {@link InstallEvent} at a time, so a lambda is a
 * listener:
 *
 * <pre>{@code
 * InstallListener printer = event -> {
 *   if (event instanceof InstallEvent.ChunkUploaded u) {
 *     System.out.println(u.uploaded() + "/" + u.toUpload() + " chunks");
 *   }
 * };
 * }</pre>
 *
 * <p>Chunk events arrive from the upload executor's threads, one at a time and in order of their
 * counts (uploaded 1, 2, 3, ...), so an implementation needs no locking of its own but must not
 * assume a particular thread. An exception thrown by a listener fails the install.
 */
@FunctionalInterface
public interface InstallListener {
  /** A listener that ignores everything. */
  InstallListener NONE = event -> {};

  /** Something happened; see the subtypes of {@link InstallEvent}. */
  void onEvent(InstallEvent event);
}
