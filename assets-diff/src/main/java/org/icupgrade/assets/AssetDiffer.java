package org.icupgrade.assets;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.icupgrade.core.Principal;
import org.icupgrade.core.assets.AssetCanisterFlavor;
import org.icupgrade.core.assets.AssetChange;
import org.icupgrade.core.assets.AssetDetails;
import org.icupgrade.core.assets.AssetDiff;
import org.icupgrade.core.assets.AssetEncodingDetails;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.assets.ReleaseAsset;
import org.icupgrade.core.assets.ReleaseEncoding;

/**
 * Compares a release with what a canister lists. Pure: no calls; the syncer lists the canister and
 * calls this.
 *
 * <ul>
 *   <li>A key only the release has is {@link AssetChange.Kind#NEW}.
 *   <li>A key both have is unchanged when its content type is the same and every encoding of the
 *       release is on the canister with the same SHA-256 and the canister has no other encoding.
 *       Otherwise it is {@link AssetChange.Kind#CHANGED}: the encodings whose SHA-256 differs (or
 *       is unknown) are uploaded and the extra ones unset; if the content type changed, or the
 *       canister is {@link AssetCanisterFlavor#HTTP_ASSETS_0_2} (which cannot overwrite in
 *       place), the key is recreated with every encoding.
 *   <li>A key only the canister has is {@link AssetChange.Kind#STALE}.
 *   <li>A protected key on the canister is never changed nor deleted; a protected key only the
 *       release has is created.
 * </ul>
 */
public final class AssetDiffer {
  private AssetDiffer() {}

  /**
   * The diff bringing {@code existing} (the canister's full listing) to {@code release}.
   *
   * @param canisterId the asset canister, named in the diff
   * @param release what the canister should serve
   * @param existing every asset the canister lists now, with its encodings
   * @param protectedKeys keys never changed nor deleted
   * @param flavor the asset canister implementation, which decides whether a changed key is
   *     recreated
   * @return the changes to make, and the keys left unchanged or kept
   */
  public static AssetDiff diff(
      Principal canisterId, FrontendRelease release, List<AssetDetails> existing,
      Predicate<String> protectedKeys, AssetCanisterFlavor flavor) {
    Map<String, AssetDetails> onCanister = new HashMap<>(existing.size() * 2);
    for (AssetDetails d : existing) {
      onCanister.put(d.key(), d);
    }
    List<AssetChange> changes = new ArrayList<>();
    List<String> unchanged = new ArrayList<>(release.size());
    List<String> kept = new ArrayList<>();
    for (ReleaseAsset asset : release.assets()) {
      AssetDetails current = onCanister.remove(asset.key());
      if (current == null) {
        changes.add(AssetChange.created(asset));
      } else if (protectedKeys.test(asset.key())) {
        kept.add(asset.key());
      } else {
        Optional<AssetChange> change = compare(asset, current, flavor);
        if (change.isPresent()) {
          changes.add(change.get());
        } else {
          unchanged.add(asset.key());
        }
      }
    }
    for (AssetDetails stale : onCanister.isEmpty() ? List.<AssetDetails>of() : existing) {
      if (onCanister.containsKey(stale.key())) {
        if (protectedKeys.test(stale.key())) {
          kept.add(stale.key());
        } else {
          changes.add(AssetChange.stale(stale));
        }
      }
    }
    kept.sort(FrontendRelease.KEY_ORDER);
    return AssetDiff.of(canisterId, release, changes, unchanged, kept);
  }

  private static Optional<AssetChange> compare(
      ReleaseAsset asset, AssetDetails current, AssetCanisterFlavor flavor) {
    if (!asset.contentType().equals(current.contentType())) {
      return Optional.of(AssetChange.changed(asset, current, allEncodings(asset), List.of(), true));
    }
    // Plain loops over the (one or two) encodings: this runs for every file of every redeploy.
    List<String> upload = List.of();
    for (ReleaseEncoding e : asset.encodings()) {
      if (!sameSha256(e, current.encodings())) {
        if (upload.isEmpty()) {
          upload = new ArrayList<>(1);
        }
        upload.add(e.contentEncoding());
      }
    }
    List<String> unset = List.of();
    for (AssetEncodingDetails d : current.encodings()) {
      if (!has(asset.encodings(), d.contentEncoding())) {
        if (unset.isEmpty()) {
          unset = new ArrayList<>(1);
        }
        unset.add(d.contentEncoding());
      }
    }
    if (upload.isEmpty() && unset.isEmpty()) {
      return Optional.empty();
    }
    if (flavor == AssetCanisterFlavor.HTTP_ASSETS_0_2) {
      return Optional.of(AssetChange.changed(asset, current, allEncodings(asset), List.of(), true));
    }
    return Optional.of(AssetChange.changed(asset, current, upload, unset, false));
  }

  /** Whether the canister's first encoding of this name has the same SHA-256. */
  private static boolean sameSha256(ReleaseEncoding e, List<AssetEncodingDetails> there) {
    for (AssetEncodingDetails d : there) {
      if (d.contentEncoding().equals(e.contentEncoding())) {
        return d.sha256().map(e.sha256()::equals).orElse(false);
      }
    }
    return false;
  }

  private static boolean has(List<ReleaseEncoding> encodings, String contentEncoding) {
    for (ReleaseEncoding e : encodings) {
      if (e.contentEncoding().equals(contentEncoding)) {
        return true;
      }
    }
    return false;
  }

  private static List<String> allEncodings(ReleaseAsset asset) {
    return asset.encodings().stream().map(ReleaseEncoding::contentEncoding).toList();
  }
}
