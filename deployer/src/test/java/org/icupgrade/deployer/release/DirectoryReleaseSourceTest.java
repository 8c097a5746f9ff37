package org.icupgrade.deployer.release;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.icupgrade.deployer.release.internal.DirectoryReleaseSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryReleaseSourceTest {
  @TempDir Path root;

  Path release(String tag, String... files) throws IOException {
    Path d = Files.createDirectories(root.resolve(tag));
    for (String f : files) {
      Files.writeString(d.resolve(f), f + " of " + tag);
    }
    return d;
  }

  @Test
  void releases_orderedByVersionNotByText() throws IOException {
    release("v1.9.2", "a");
    release("v1.10.0", "a");
    release("v1.2.0", "a");
    assertEquals(List.of("v1.10.0", "v1.9.2", "v1.2.0"),
        ReleaseSource.directory(root).releases().stream().map(Release::tag).toList());
  }

  @Test
  void releases_assetsAreTheFiles_subdirectoriesAndMarkerIgnored() throws IOException {
    Path d = release("v1.0.0", "storage.wasm", "frontend.tar");
    Files.createDirectories(d.resolve("nested"));
    Release r = ReleaseSource.directory(root).releases().get(0);
    assertEquals(List.of("frontend.tar", "storage.wasm"), r.assetNames());
    assertTrue(r.publishedAt().isPresent());
  }

  @Test
  void latest_skipsDraftsAndPrereleases() throws IOException {
    release("v1.0.0", "a");
    release("v1.1.0", "a", "DRAFT");
    release("v2.0.0-rc1", "a");
    ReleaseSource s = ReleaseSource.directory(root);
    assertEquals("v1.0.0", s.latest().orElseThrow().tag());
    assertEquals("v2.0.0-rc1", s.latest(true).orElseThrow().tag());
    Release draft = s.releases().stream().filter(Release::draft).findFirst().orElseThrow();
    assertEquals("v1.1.0", draft.tag());
    assertFalse(draft.assetNames().contains("DRAFT"), "the marker is not an asset");
  }

  @Test
  void latest_emptyDirectory_empty() {
    assertEquals(Optional.empty(), ReleaseSource.directory(root).latest());
  }

  @Test
  void download_readsTheFile() throws IOException {
    release("v1.0.0", "storage.wasm");
    ReleaseSource s = ReleaseSource.directory(root);
    try (InputStream in = s.download(s.latest().orElseThrow(), "storage.wasm")) {
      assertArrayEquals("storage.wasm of v1.0.0".getBytes(), in.readAllBytes());
    }
  }

  @Test
  void download_missingFile_namesWhatExists() throws IOException {
    release("v1.0.0", "storage.wasm");
    ReleaseSource s = ReleaseSource.directory(root);
    ReleaseSourceException e = assertThrows(ReleaseSourceException.class,
        () -> s.download(s.latest().orElseThrow(), "frontend.tar"));
    assertTrue(e.getMessage().contains("[storage.wasm]"), e.getMessage());
  }

  @Test
  void download_namesLeavingTheRelease_refused() throws IOException {
    release("v1.0.0", "storage.wasm");
    release("v0.9.0", "secret");
    ReleaseSource s = ReleaseSource.directory(root);
    Release r = s.latest().orElseThrow();
    assertThrows(ReleaseSourceException.class, () -> s.download(r, "../v0.9.0/secret"));
    assertThrows(ReleaseSourceException.class, () -> s.download(r, "../../etc/passwd"));
    Release escaping = Release.builder("..").build();
    assertThrows(ReleaseSourceException.class, () -> s.download(escaping, "x"));
  }

  @Test
  void releases_missingRoot_saysToCheckTheDirectory() {
    ReleaseSourceException e = assertThrows(ReleaseSourceException.class,
        () -> ReleaseSource.directory(root.resolve("absent")).releases());
    assertTrue(e.getMessage().contains("check that the directory exists"), e.getMessage());
  }

  @Test
  void compareVersions_numbersAsNumbers() {
    assertTrue(DirectoryReleaseSource.compareVersions("v1.10.0", "v1.9.0") > 0);
    assertTrue(DirectoryReleaseSource.compareVersions("v2", "v10") < 0);
    assertEquals(0, DirectoryReleaseSource.compareVersions("v1.0", "v1.0"));
    assertTrue(DirectoryReleaseSource.compareVersions("v1.0.1", "v1.0") > 0);
  }
}
