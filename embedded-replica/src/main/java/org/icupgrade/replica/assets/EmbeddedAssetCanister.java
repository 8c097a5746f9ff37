package org.icupgrade.replica.assets;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.icupgrade.core.Principal;
import org.icupgrade.core.assets.AssetCanisterFlavor;
import org.icupgrade.replica.EmbeddedReplica;
import org.icupgrade.replica.assets.internal.AssetCanisterCode;
import org.jspecify.annotations.Nullable;

/**
 * Creates asset canisters written in Java on an {@link EmbeddedReplica}: the {@code
 * assetstorage.did} interface, in the flavour of the DFINITY certified-assets canister or of the
 * Motoko http-assets 0.2.0 library, reached through any agent of the replica (with real Candid,
 * e.g. {@code CandidAssetCanister.over(replica.agentFor(me), id)}).
 *
 * <pre>{@code
 * Principal id = EmbeddedAssetCanister.create(replica, AssetCanisterFlavor.DFINITY, owner);
 * AssetCanister asOwner = CandidAssetCanister.over(replica.agentFor(owner), id);
 * asOwner.grantPermission(owner, Permission.COMMIT);   // a controller is not a committer
 * }</pre>
 *
 * <p>Both flavours follow their reference: permissions {@code Commit}, {@code Prepare} (Commit
 * also allows what Prepare allows) and {@code ManagePermissions}, checked against the permission
 * lists only, so a controller needs a grant before {@code create_batch}; controllers and
 * ManagePermissions holders grant and revoke, anyone gives up their own; no one holds a
 * permission at creation (the reference canisters give Commit to the principal that installs
 * them, which here is nobody). Batches expire 300 s after their creation or last chunk and are
 * swept when the next batch is created; a commit removes the batch it names (batch id 0 names
 * none), its unused chunks staying until that sweep; chunks; every commit operation, all or
 * nothing; in the DFINITY flavour, a commit whose content exceeds what one message can hash
 * (about 500 MB) traps;
 * {@code SetAssetContent}'s SHA-256 check; {@code CreateAsset} of an existing key refused;
 * {@code get} and {@code get_chunk} by the uploaded chunks; aliases ({@code /a} for {@code
 * /a.html} and {@code /a/index.html}); and {@code http_request} with the {@code /index.html}
 * fallback, so that a test can fetch a page as a browser would.
 *
 * <p>Where the flavours differ:
 * <table>
 * <caption>DFINITY and http-assets 0.2.0</caption>
 * <tr><th></th><th>{@link AssetCanisterFlavor#DFINITY}</th>
 *     <th>{@link AssetCanisterFlavor#HTTP_ASSETS_0_2}</th></tr>
 * <tr><td>{@code api_version}</td><td>2</td><td>1 (it has {@code create_chunks}, but no
 *     {@code last_chunk}: Candid drops that field)</td></tr>
 * <tr><td>{@code list}</td><td>sorted by key, from {@code start}, at most 100</td>
 *     <td>takes {@code record {}}: every asset at once</td></tr>
 * <tr><td>{@code DeleteAsset} in a commit</td><td>deletes</td><td>does nothing (defect)</td></tr>
 * <tr><td>a commit touching a stored, non-aliased key with content</td><td>works</td>
 *     <td>traps when merging (defect); {@code CreateAsset} of it is refused as in DFINITY</td></tr>
 * <tr><td>third permission's Candid name</td><td>{@code ManagePermissions}</td>
 *     <td>{@code Manage}: a {@code ManagePermissions} argument does not decode</td></tr>
 * <tr><td>failures</td><td>trap</td><td>reject with the library's message</td></tr>
 * <tr><td>{@code http_request} encoding</td><td>first stored one in {@code Accept-Encoding}</td>
 *     <td>from the request's {@code content-encoding} (so identity for browsers)</td></tr>
 * <tr><td>{@code http_request}, nothing to serve</td><td>404</td><td>reject</td></tr>
 * <tr><td>{@code Set-Cookie: ic_env=…} on {@code .html}</td><td>yes, when a root key is
 *     given</td><td>no</td></tr>
 * </table>
 *
 * <p>Not modelled: response certification ({@code certified_tree}, {@code IC-Certificate}
 * headers), streaming callbacks ({@code http_request} returns the whole body), proposals
 * ({@code propose_commit_batch}, {@code compute_evidence}), {@code configure} limits, the legacy
 * {@code store}/{@code authorize} methods, and http-assets' re-chunking of stored content.
 */
public final class EmbeddedAssetCanister {
  /** Batches expire this long after their creation or last chunk (both references). */
  public static final Duration BATCH_EXPIRY = Duration.ofNanos(AssetCanisterCode.BATCH_EXPIRY_NANOS);
  /** The DFINITY flavour's {@code list} returns at most this many entries per call. */
  public static final int LIST_PAGE = AssetCanisterCode.LIST_PAGE;

  private EmbeddedAssetCanister() {}

  /**
   * Creates an asset canister of {@code flavor} on {@code replica}, with these controllers (at
   * least one), whose batches expire by {@code clock} (a test moves it instead of sleeping).
   *
   * @param replica the replica to host it
   * @param flavor the asset canister implementation it behaves as
   * @param clock what batch expiry is measured by
   * @param controllers the canister's controllers
   * @return the new canister's id
   */
  public static Principal create(
      EmbeddedReplica replica, AssetCanisterFlavor flavor, Clock clock, Principal... controllers) {
    return create(replica, flavor, clock, (byte[]) null, controllers);
  }

  /**
   * As {@link #create(EmbeddedReplica, AssetCanisterFlavor, Clock, Principal...)}, system clock.
   *
   * @param replica the replica to host it
   * @param flavor the asset canister implementation it behaves as
   * @param controllers the canister's controllers
   * @return the new canister's id
   */
  public static Principal create(
      EmbeddedReplica replica, AssetCanisterFlavor flavor, Principal... controllers) {
    return create(replica, flavor, Clock.systemUTC(), controllers);
  }

  /**
   * As {@link #create(EmbeddedReplica, AssetCanisterFlavor, Clock, Principal...)}, with the IC
   * root key the DFINITY flavour puts in the {@code ic_env} cookie of every {@code .html} response
   * ({@code ic_root_key=<hex>}, URL-encoded), so that a frontend can verify certificates.
   *
   * @param rootKey the DER-encoded root key, or null for no cookie
   * @param replica the replica to host it
   * @param flavor the asset canister implementation it behaves as
   * @param clock what batch expiry is measured by
   * @param controllers the canister's controllers
   * @return the new canister's id
   */
  public static Principal create(
      EmbeddedReplica replica, AssetCanisterFlavor flavor, Clock clock, byte @Nullable [] rootKey,
      Principal... controllers) {
    Objects.requireNonNull(replica, "replica");
    Objects.requireNonNull(flavor, "flavor");
    Objects.requireNonNull(clock, "clock");
    String cookie = rootKey == null ? null : AssetCanisterCode.icEnvCookie(rootKey);
    return replica.createBuiltinCanister(new AssetCanisterCode(flavor, clock, cookie), controllers);
  }
}
