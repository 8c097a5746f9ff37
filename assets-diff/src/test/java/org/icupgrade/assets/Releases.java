package org.icupgrade.assets;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.icupgrade.assets.internal.ReleaseCollector;
import org.icupgrade.core.assets.FrontendRelease;
import org.icupgrade.core.assets.ReleaseAsset;

/** Builds releases in memory for the sync tests. */
final class Releases {
  private Releases() {}

  static FrontendRelease of(Map<String, String> files) {
    List<ReleaseAsset> assets = new ArrayList<>();
    files.forEach((k, v) -> assets.add(
        ReleaseCollector.toAsset(k, v.getBytes(StandardCharsets.UTF_8))));
    return FrontendRelease.of(assets);
  }

  /** {@code count} small files {@code /f/00000.js} ... with distinct content. */
  static Map<String, String> smallFiles(int count) {
    Map<String, String> files = new TreeMap<>();
    for (int i = 0; i < count; i++) {
      files.put(String.format("/f/%05d.js", i), "console.log(" + i + ");");
    }
    return files;
  }

  static Map<String, String> with(Map<String, String> files, String key, String content) {
    Map<String, String> copy = new TreeMap<>(files);
    copy.put(key, content);
    return copy;
  }

  static Map<String, String> without(Map<String, String> files, String key) {
    Map<String, String> copy = new TreeMap<>(files);
    copy.remove(key);
    return copy;
  }
}
