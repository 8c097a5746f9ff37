package org.icupgrade.core.release;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Releases in a local directory: one subdirectory per release, named by its tag, holding the
 * release's assets as files. Newest first by tag, compared as versions ({@code v1.10.0} after
 * {@code v1.9.2}); a tag with a {@code -} suffix ({@code v2.0.0-rc1}) is a prerelease, and a
 * subdirectory holding a file named {@code DRAFT} is a draft.
 */
public final class DirectoryReleaseSource implements ReleaseSource {
  private final Path root;

  public DirectoryReleaseSource(Path root) {
    this.root = root;
  }

  @Override
  public List<Release> releases() {
    List<Release> out = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path d : dirs.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
        List<String> names;
        try (Stream<Path> files = Files.list(d)) {
          names = files.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
              .map(p -> p.getFileName().toString()).sorted().toList();
        }
        String tag = d.getFileName().toString();
        out.add(new Release(tag, names.contains("DRAFT"), tag.contains("-"),
            Files.getLastModifiedTime(d).toInstant(), names));
      }
    } catch (IOException e) {
      throw new ReleaseSourceException("cannot list releases in " + root + ": " + e.getMessage(),
          false, e);
    }
    out.sort(Comparator.comparing(Release::tag, DirectoryReleaseSource::compareVersions)
        .reversed());
    return out;
  }

  @Override
  public InputStream download(Release release, String assetName) throws IOException {
    Path dir = root.resolve(release.tag()).normalize();
    Path file = dir.resolve(assetName).normalize();
    if (!file.getParent().equals(dir) || !dir.getParent().equals(root.normalize())) {
      throw new ReleaseSourceException("asset name " + assetName + " leaves the release directory",
          false, null);
    }
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new ReleaseSourceException("release " + release.tag() + " in " + root
          + " has no file " + assetName, false, null);
    }
    return Files.newInputStream(file);
  }

  /** Compares runs of digits as numbers and everything else as text. */
  static int compareVersions(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      char ca = a.charAt(i);
      char cb = b.charAt(j);
      if (Character.isDigit(ca) && Character.isDigit(cb)) {
        int si = i;
        int sj = j;
        while (i < a.length() && Character.isDigit(a.charAt(i))) {
          i++;
        }
        while (j < b.length() && Character.isDigit(b.charAt(j))) {
          j++;
        }
        int c = new java.math.BigInteger(a.substring(si, i))
            .compareTo(new java.math.BigInteger(b.substring(sj, j)));
        if (c != 0) {
          return c;
        }
      } else {
        if (ca != cb) {
          return Character.compare(ca, cb);
        }
        i++;
        j++;
      }
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }

  @Override
  public String toString() {
    return "DirectoryReleaseSource[" + root + "]";
  }

}
