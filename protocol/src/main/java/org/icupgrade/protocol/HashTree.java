package org.icupgrade.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A hash tree (spec, "Certification", "Encoding of certificates"): empty, fork, labeled, leaf and
 * pruned nodes, their CBOR form {@code [0]}, {@code [1, l, r]}, {@code [2, label, t]}, {@code [3,
 * v]}, {@code [4, hash]}, and the tree hash with the spec's domain separators.
 */
public abstract class HashTree {
  /** The digest, computed once: a tree is immutable, and a witness hashes what it prunes. */
  private volatile byte @Nullable [] digest;

  private HashTree() {}

  /**
   * The tree's root hash (spec, "Certification": {@code reconstruct}).
   *
   * @return a new array with the 32-byte hash
   */
  public final byte[] digest() {
    return hash().clone();
  }

  private byte[] hash() {
    byte[] d = digest;
    if (d == null) {
      d = computeDigest();
      digest = d;
    }
    return d;
  }

  abstract byte[] computeDigest();

  public abstract List<Object> cbor();

  public static HashTree empty() {
    return new Empty();
  }

  public static HashTree leaf(byte[] value) {
    return new Leaf(value.clone());
  }

  public static HashTree labeled(byte[] label, HashTree t) {
    return new Labeled(label.clone(), t);
  }

  public static HashTree fork(HashTree l, HashTree r) {
    return new Fork(l, r);
  }

  /**
   * A pruned subtree: only its 32-byte hash (spec, "Certificate": the state tree pruned by
   * replacing subtrees with their root hashes).
   *
   * @param hash the pruned subtree's {@link #digest}
   * @return the pruned node
   * @throws IllegalArgumentException if {@code hash} is not 32 bytes
   */
  public static HashTree pruned(byte[] hash) {
    if (hash.length != 32) {
      throw new IllegalArgumentException("a pruned node's hash is 32 bytes, not " + hash.length);
    }
    return new Pruned(hash.clone());
  }

  /** The spec's {@code domain_sep(s)}: one byte with the length of {@code s}, then {@code s}. */
  public static byte[] domainSep(String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    return RequestId.concat(new byte[] {(byte) b.length}, b);
  }

  /**
   * The tree of labeled subtrees {@code children}, sorted by label (as the spec requires of the
   * state tree's labels) and joined by forks into a balanced tree; empty for no children.
   */
  public static HashTree node(Map<byte[], HashTree> children) {
    TreeMap<byte[], HashTree> sorted = new TreeMap<>(Arrays::compareUnsigned);
    sorted.putAll(children);
    List<HashTree> labeled = new ArrayList<>();
    sorted.forEach((k, v) -> labeled.add(labeled(k, v)));
    return balanced(labeled, 0, labeled.size());
  }

  private static HashTree balanced(List<HashTree> list, int from, int to) {
    if (to - from == 0) {
      return empty();
    }
    if (to - from == 1) {
      return list.get(from);
    }
    int mid = (from + to + 1) / 2;
    return fork(balanced(list, from, mid), balanced(list, mid, to));
  }

  /**
   * Spec, "Certification", "Lookup": {@code lookup_path(path, tree)}, telling a value found, a
   * path proven absent, a path in a pruned subtree (unknown) and a path ending at an inner node
   * (error) apart.
   *
   * @param path the labels
   * @return the outcome
   */
  public LookupResult lookup(List<byte[]> path) {
    HashTree t = this;
    for (byte[] label : path) {
      Object step = t.findLabel(label);
      if (step instanceof LookupResult r) {
        return r;
      }
      t = (HashTree) step;
    }
    return t.atPathEnd();
  }

  /**
   * Spec, "Lookup", {@code lookup*(prefix)}: the values at every path that starts with {@code
   * prefix} and is found, in the tree's order; empty when the prefix is absent or pruned.
   *
   * @param prefix the labels every returned value's path starts with
   * @return the values
   */
  public List<byte[]> lookupAll(List<byte[]> prefix) {
    HashTree t = subtree(prefix);
    if (t == null) {
      return List.of();
    }
    List<byte[]> out = new ArrayList<>();
    t.collectLeaves(out);
    return out;
  }

  /**
   * Whether every label of {@code prefix} is found (spec, "Lookup": {@code find_label} gives
   * {@code Found}): the prefix leads to a subtree or value of this tree. False when it is absent,
   * pruned, or runs through a leaf.
   *
   * @param prefix the labels
   * @return true if the prefix is in the tree
   */
  public boolean contains(List<byte[]> prefix) {
    return subtree(prefix) != null;
  }

  private @Nullable HashTree subtree(List<byte[]> prefix) {
    HashTree t = this;
    for (byte[] label : prefix) {
      Object step = t.findLabel(label);
      if (step instanceof LookupResult) {
        return null;
      }
      t = (HashTree) step;
    }
    return t;
  }

  private void collectLeaves(List<byte[]> out) {
    if (this instanceof Leaf leaf) {
      out.add(leaf.value.clone());
      return;
    }
    List<HashTree> forest = new ArrayList<>();
    flattenForks(forest);
    for (HashTree t : forest) {
      if (t instanceof Labeled l) {
        l.tree.collectLeaves(out);
      }
    }
  }

  /** Spec, "Lookup", {@code lookup_path([], t)}. */
  private LookupResult atPathEnd() {
    if (this instanceof Empty) {
      return LookupResult.ABSENT;
    }
    if (this instanceof Leaf leaf) {
      return new LookupResult.Found(leaf.value);
    }
    if (this instanceof Pruned) {
      return LookupResult.UNKNOWN;
    }
    return LookupResult.ERROR;
  }

  /** Spec, "Lookup", {@code flatten_forks}: Empty gives nothing, a fork both sides in order. */
  private void flattenForks(List<HashTree> out) {
    if (this instanceof Fork f) {
      f.left.flattenForks(out);
      f.right.flattenForks(out);
    } else if (!(this instanceof Empty)) {
      out.add(this);
    }
  }

  /**
   * Spec, "Lookup", {@code find_label(l, flatten_forks(this))}, its rules in the spec's order:
   * the subtree labeled {@code l} (a {@code HashTree}), or {@code Absent} when {@code l} falls
   * between two adjacent labels, before the first or after the last, or the forest is a single
   * leaf or empty; {@code Unknown} otherwise (a pruned node stands where {@code l} would be).
   */
  private Object findLabel(byte[] l) {
    List<HashTree> forest = new ArrayList<>();
    flattenForks(forest);
    for (HashTree t : forest) {
      if (t instanceof Labeled lt && Arrays.equals(lt.label, l)) {
        return lt.tree;
      }
    }
    for (int i = 0; i + 1 < forest.size(); i++) {
      if (forest.get(i) instanceof Labeled l1 && forest.get(i + 1) instanceof Labeled l2
          && Arrays.compareUnsigned(l1.label, l) < 0 && Arrays.compareUnsigned(l, l2.label) < 0) {
        return LookupResult.ABSENT;
      }
    }
    if (!forest.isEmpty() && forest.get(0) instanceof Labeled first
        && Arrays.compareUnsigned(l, first.label) < 0) {
      return LookupResult.ABSENT;
    }
    if (!forest.isEmpty() && forest.get(forest.size() - 1) instanceof Labeled last
        && Arrays.compareUnsigned(last.label, l) < 0) {
      return LookupResult.ABSENT;
    }
    if (forest.isEmpty() || (forest.size() == 1 && forest.get(0) instanceof Leaf)) {
      return LookupResult.ABSENT;
    }
    return LookupResult.UNKNOWN;
  }

  /**
   * Spec, "Certification": this tree pruned to what a reader asked for (a witness), with this
   * tree's {@link #digest}, so that a certificate of it verifies against the same root hash.
   * A path that is found keeps what lies under it whole; a path that is absent keeps the labels
   * that prove it so (its level's adjacent labels, with their subtrees pruned); every other
   * subtree becomes a pruned node holding its hash. A lookup of an asked path in the witness
   * gives what it gives in this tree; a lookup of another path gives that or {@code Unknown}.
   *
   * @param paths the paths asked for (labels from the root)
   * @return the witness
   */
  public HashTree witness(List<List<byte[]>> paths) {
    return witnessOf(paths, 0);
  }

  private HashTree witnessOf(List<List<byte[]>> paths, int depth) {
    if (paths.isEmpty()) {
      return prunedOf(this);
    }
    for (List<byte[]> p : paths) {
      if (p.size() == depth) {
        return this; // asked for whole
      }
    }
    if (this instanceof Leaf || this instanceof Empty || this instanceof Pruned) {
      return this; // a path through a leaf or into nothing: kept, so its lookup reads the same
    }
    List<HashTree> forest = new ArrayList<>();
    flattenForks(forest);
    // The labeled nodes to keep: those found, with the paths that go on under them, and the
    // neighbours of an absent label, whose subtrees are pruned.
    Map<HashTree, List<List<byte[]>>> keep = new IdentityHashMap<>();
    for (List<byte[]> p : paths) {
      byte[] label = p.get(depth);
      Labeled before = null;
      Labeled after = null;
      Labeled found = null;
      for (HashTree t : forest) {
        if (t instanceof Labeled lt) {
          int c = Arrays.compareUnsigned(lt.label, label);
          if (c == 0) {
            found = lt;
            break;
          } else if (c < 0) {
            before = lt;
          } else {
            after = lt;
            break;
          }
        }
      }
      if (found != null) {
        keep.computeIfAbsent(found, k -> new ArrayList<>()).add(p);
      } else {
        for (Labeled n : new Labeled[] {before, after}) {
          if (n != null) {
            keep.computeIfAbsent(n, k -> new ArrayList<>());
          }
        }
      }
    }
    HashTree kept = keptOf(this, keep, depth + 1);
    return kept == null ? prunedOf(this) : kept;
  }

  /** {@code t}'s forks down to the kept labels, or null when none of them is under {@code t}. */
  private static @Nullable HashTree keptOf(
      HashTree t, Map<HashTree, List<List<byte[]>>> keep, int depth) {
    if (t instanceof Fork f) {
      HashTree l = keptOf(f.left, keep, depth);
      HashTree r = keptOf(f.right, keep, depth);
      if (l == null && r == null) {
        return null;
      }
      return new Fork(l == null ? prunedOf(f.left) : l, r == null ? prunedOf(f.right) : r);
    }
    List<List<byte[]>> under = keep.get(t);
    if (under == null) {
      return null;
    }
    Labeled lt = (Labeled) t;
    return new Labeled(lt.label, lt.tree.witnessOf(under, depth));
  }

  private static HashTree prunedOf(HashTree t) {
    return t instanceof Pruned || t instanceof Empty ? t : new Pruned(t.hash());
  }

  /** The deepest tree {@link #fromCbor} accepts (the CBOR decoder's bound). */
  public static final int MAX_DEPTH = Cbor.MAX_DEPTH;

  /**
   * Decodes a tree from its CBOR value (spec, "Encoding of certificates": {@code [0]}, {@code [1,
   * l, r]}, {@code [2, label, t]}, {@code [3, value]}, {@code [4, hash]}).
   *
   * @param o a value as {@link Cbor#decode} returns it
   * @return the tree
   * @throws MalformedCertificateException if a node has the wrong shape, an unknown tag, a field
   *     of the wrong type, a pruned hash that is not 32 bytes, or nests deeper than {@link
   *     #MAX_DEPTH}
   */
  public static HashTree fromCbor(@Nullable Object o) {
    return fromCbor(o, 0);
  }

  private static HashTree fromCbor(@Nullable Object o, int depth) {
    if (depth > MAX_DEPTH) {
      throw new MalformedCertificateException("hash tree nested deeper than " + MAX_DEPTH);
    }
    if (!(o instanceof List<?> l) || l.isEmpty() || !(l.get(0) instanceof Long tag)) {
      throw new MalformedCertificateException("a hash tree node is not an array starting with"
          + " its tag 0..4");
    }
    int arity = switch (tag.intValue()) {
      case 0 -> 1;
      case 1, 2 -> 3;
      case 3, 4 -> 2;
      default -> -1;
    };
    if (arity < 0 || tag > 4 || tag < 0) {
      throw new MalformedCertificateException("unknown hash tree node tag " + tag);
    }
    if (l.size() != arity) {
      throw new MalformedCertificateException("hash tree node " + tag + " has " + l.size()
          + " elements, expected " + arity);
    }
    return switch (tag.intValue()) {
      case 0 -> empty();
      case 1 -> fork(fromCbor(l.get(1), depth + 1), fromCbor(l.get(2), depth + 1));
      case 2 -> new Labeled(blob(l.get(1), "label"), fromCbor(l.get(2), depth + 1));
      case 3 -> new Leaf(blob(l.get(1), "leaf value"));
      default -> {
        byte[] hash = blob(l.get(1), "pruned hash");
        if (hash.length != 32) {
          throw new MalformedCertificateException("a pruned node's hash is " + hash.length
              + " bytes, not 32");
        }
        yield new Pruned(hash);
      }
    };
  }

  private static byte[] blob(@Nullable Object o, String what) {
    if (!(o instanceof byte[] b)) {
      throw new MalformedCertificateException("a hash tree " + what + " is not a byte string");
    }
    return b.clone();
  }

  private static final class Empty extends HashTree {
    @Override
    byte[] computeDigest() {
      return RequestId.sha256(domainSep("ic-hashtree-empty"));
    }

    @Override
    public List<Object> cbor() {
      return List.of(0L);
    }
  }

  private static final class Fork extends HashTree {
    final HashTree left;
    final HashTree right;

    Fork(HashTree left, HashTree right) {
      this.left = left;
      this.right = right;
    }

    @Override
    byte[] computeDigest() {
      return RequestId.sha256(domainSep("ic-hashtree-fork"), left.hash(), right.hash());
    }

    @Override
    public List<Object> cbor() {
      return List.of(1L, left.cbor(), right.cbor());
    }
  }

  private static final class Labeled extends HashTree {
    final byte[] label;
    final HashTree tree;

    Labeled(byte[] label, HashTree tree) {
      this.label = label;
      this.tree = tree;
    }

    @Override
    byte[] computeDigest() {
      return RequestId.sha256(domainSep("ic-hashtree-labeled"), label, tree.hash());
    }

    @Override
    public List<Object> cbor() {
      return List.of(2L, label.clone(), tree.cbor());
    }
  }

  private static final class Leaf extends HashTree {
    final byte[] value;

    Leaf(byte[] value) {
      this.value = value;
    }

    @Override
    byte[] computeDigest() {
      return RequestId.sha256(domainSep("ic-hashtree-leaf"), value);
    }

    @Override
    public List<Object> cbor() {
      return List.of(3L, value.clone());
    }
  }

  private static final class Pruned extends HashTree {
    final byte[] hash;

    Pruned(byte[] hash) {
      this.hash = hash;
    }

    @Override
    byte[] computeDigest() {
      return hash;
    }

    @Override
    public List<Object> cbor() {
      return List.of(4L, hash.clone());
    }
  }
}
