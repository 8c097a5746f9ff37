package org.icupgrade.protocol;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.icupgrade.core.IcException;
import org.jspecify.annotations.Nullable;

/**
 * BLS signatures on BLS12-381 as the Internet Computer uses them (spec, "Certification": the
 * "min-sig" variant): signatures are points of G1 (48 bytes compressed), public keys points of G2
 * (96 bytes compressed), both in the ZCash serialization; a message is hashed onto G1 by the RFC
 * 9380 suite {@code BLS12381G1_XMD:SHA-256_SSWU_RO_} with the domain separation tag {@value #DST};
 * a signature verifies if {@code e(signature, g2) == e(H(message), publicKey)} for the optimal ate
 * pairing.
 *
 * <p>An instance holds a secret key (for signing, as the embedded replica does); {@link #verify} is
 * static. Verification checks that both points decode, lie on their curves and in the prime-order
 * subgroups, and are not the point at infinity; a malformed encoding is a {@link BlsException}.
 * The field arithmetic is {@link BlsFp} (seven 56-bit Montgomery limbs; {@link BigInteger} only
 * for constants and scalars' digits), with Karatsuba towers whose Fp2, Fp6 and Fp12 products and
 * cyclotomic squares reduce once per output coefficient (lazy reduction), sparse Miller-loop
 * lines, endomorphism subgroup checks, the sqrt_ratio form of the simplified SWU map (one
 * exponentiation per field element) and GLV signing. <b>Nothing here is
 * constant-time</b>: fine for verification (public data) and for a test replica's key, <b>not</b>
 * for guarding a secret key that matters.
 */
public final class Bls12381 {
  /** The domain separation tag of the IC's BLS signatures (the "NUL" scheme of the BLS draft). */
  public static final String DST = "BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_";

  private static final byte[] DST_BYTES = DST.getBytes(StandardCharsets.US_ASCII);

  /** The length of a compressed signature (a G1 point). */
  public static final int SIGNATURE_LENGTH = 48;

  /** The length of a compressed public key (a G2 point). */
  public static final int PUBLIC_KEY_LENGTH = 96;

  /** The length of a secret key as {@link #fromSecretKey} takes it. */
  public static final int SECRET_KEY_LENGTH = 32;

  /**
   * Spec, "Certification": the DER prefix (SubjectPublicKeyInfo with the IC's BLS12-381 OIDs) that
   * precedes the 96 bytes of a root or subnet public key.
   */
  private static final byte[] DER_PREFIX = HexFormat.of().parseHex(
      "308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100");

  // ---- curve parameters (RFC 9380 section 8.8.1 and draft-irtf-cfrg-pairing-friendly-curves,
  // section 4.2.1, BLS12_381) ----

  /** The base field's prime p. */
  static final BigInteger P = hex(
      "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab");
  /** The order r of G1 and G2. */
  static final BigInteger R = hex(
      "73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001");
  /** |x|, the curve's parameter x = -0xd201000000010000 (negative). */
  private static final BigInteger X_ABS = hex("d201000000010000");
  /** RFC 9380 section 8.8.1: h_eff of G1, the cofactor clearing scalar (1 - x). */
  private static final BigInteger H_EFF_G1 = hex("d201000000010001");
  /** x^2 as a width-5 NAF, the scalar of the G1 subgroup check. */
  private static final int[] NAF_X_SQUARED = Jac.wnaf(X_ABS.multiply(X_ABS), 5);
  /** |x| as a width-5 NAF, the scalar of the G2 subgroup check. */
  private static final int[] NAF_X_ABS = Jac.wnaf(X_ABS, 5);
  /** h_eff of G1 as a width-5 NAF. */
  private static final int[] NAF_H_EFF_G1 = Jac.wnaf(H_EFF_G1, 5);

  /** RFC 9380 section 8.8.1: A' and B' of the curve E' 11-isogenous to E, and Z = 11. */
  static final BlsFp SSWU_A = fp(
      "144698a3b8e9433d693a02c96d4982b0ea985383ee66a8d8e8981aefd881ac98936f8da0e0f97f5cf428082d584c1d");
  static final BlsFp SSWU_B = fp(
      "12e2908d11688030018b12e8753eee3b2016c1f0f24f4070a0b9c14fcef35ef55a23215a316ceaa5d1cc48e98e172be0");
  static final BlsFp SSWU_Z = BlsFp.of(11);
  /** RFC 9380 Appendix F.2.1.2: c1 = (p - 3) / 4 and c2 = sqrt(-Z) of sqrt_ratio. */
  private static final int[] SQRT_RATIO_EXP = BlsFp.nibbles(BlsFp.MODULUS
      .subtract(BigInteger.valueOf(3)).shiftRight(2));
  private static final BlsFp SQRT_MINUS_Z = Objects.requireNonNull(SSWU_Z.neg().sqrt(),
      "-Z is a square for p = 3 mod 4 and a non-square Z");

  /** RFC 9380 Appendix E.2: k_(1,0) .. k_(1,11), lowest degree first. */
  private static final BlsFp[] ISO_X_NUM = fps(
      "11a05f2b1e833340b809101dd99815856b303e88a2d7005ff2627b56cdb4e2c85610c2d5f2e62d6eaeac1662734649b7",
      "17294ed3e943ab2f0588bab22147a81c7c17e75b2f6a8417f565e33c70d1e86b4838f2a6f318c356e834eef1b3cb83bb",
      "d54005db97678ec1d1048c5d10a9a1bce032473295983e56878e501ec68e25c958c3e3d2a09729fe0179f9dac9edcb0",
      "1778e7166fcc6db74e0609d307e55412d7f5e4656a8dbf25f1b33289f1b330835336e25ce3107193c5b388641d9b6861",
      "e99726a3199f4436642b4b3e4118e5499db995a1257fb3f086eeb65982fac18985a286f301e77c451154ce9ac8895d9",
      "1630c3250d7313ff01d1201bf7a74ab5db3cb17dd952799b9ed3ab9097e68f90a0870d2dcae73d19cd13c1c66f652983",
      "d6ed6553fe44d296a3726c38ae652bfb11586264f0f8ce19008e218f9c86b2a8da25128c1052ecaddd7f225a139ed84",
      "17b81e7701abdbe2e8743884d1117e53356de5ab275b4db1a682c62ef0f2753339b7c8f8c8f475af9ccb5618e3f0c88e",
      "80d3cf1f9a78fc47b90b33563be990dc43b756ce79f5574a2c596c928c5d1de4fa295f296b74e956d71986a8497e317",
      "169b1f8e1bcfa7c42e0c37515d138f22dd2ecb803a0c5c99676314baf4bb1b7fa3190b2edc0327797f241067be390c9e",
      "10321da079ce07e272d8ec09d2565b0dfa7dccdde6787f96d50af36003b14866f69b771f8c285decca67df3f1605fb7b",
      "6e08c248e260e70bd1e962381edee3d31d79d7e22c837bc23c0bf1bc24c6b68c24b1b80b64d391fa9c8ba2e8ba2d229");
  /** RFC 9380 Appendix E.2: k_(2,0) .. k_(2,9), lowest degree first. */
  private static final BlsFp[] ISO_X_DEN = fps(
      "8ca8d548cff19ae18b2e62f4bd3fa6f01d5ef4ba35b48ba9c9588617fc8ac62b558d681be343df8993cf9fa40d21b1c",
      "12561a5deb559c4348b4711298e536367041e8ca0cf0800c0126c2588c48bf5713daa8846cb026e9e5c8276ec82b3bff",
      "b2962fe57a3225e8137e629bff2991f6f89416f5a718cd1fca64e00b11aceacd6a3d0967c94fedcfcc239ba5cb83e19",
      "3425581a58ae2fec83aafef7c40eb545b08243f16b1655154cca8abc28d6fd04976d5243eecf5c4130de8938dc62cd8",
      "13a8e162022914a80a6f1d5f43e7a07dffdfc759a12062bb8d6b44e833b306da9bd29ba81f35781d539d395b3532a21e",
      "e7355f8e4e667b955390f7f0506c6e9395735e9ce9cad4d0a43bcef24b8982f7400d24bc4228f11c02df9a29f6304a5",
      "772caacf16936190f3e0c63e0596721570f5799af53a1894e2e073062aede9cea73b3538f0de06cec2574496ee84a3a",
      "14a7ac2a9d64a8b230b3f5b074cf01996e7f63c21bca68a81996e1cdf9822c580fa5b9489d11e2d311f7d99bbdcc5a5e",
      "a10ecf6ada54f825e920b3dafc7a3cce07f8d1d7161366b74100da67f39883503826692abba43704776ec3a79a1d641",
      "95fc13ab9e92ad4476d6e3eb3a56680f682b4ee96f7d03776df533978f31c1593174e4b4b7865002d6384d168ecdd0a");
  /** RFC 9380 Appendix E.2: k_(3,0) .. k_(3,15), lowest degree first. */
  private static final BlsFp[] ISO_Y_NUM = fps(
      "90d97c81ba24ee0259d1f094980dcfa11ad138e48a869522b52af6c956543d3cd0c7aee9b3ba3c2be9845719707bb33",
      "134996a104ee5811d51036d776fb46831223e96c254f383d0f906343eb67ad34d6c56711962fa8bfe097e75a2e41c696",
      "cc786baa966e66f4a384c86a3b49942552e2d658a31ce2c344be4b91400da7d26d521628b00523b8dfe240c72de1f6",
      "1f86376e8981c217898751ad8746757d42aa7b90eeb791c09e4a3ec03251cf9de405aba9ec61deca6355c77b0e5f4cb",
      "8cc03fdefe0ff135caf4fe2a21529c4195536fbe3ce50b879833fd221351adc2ee7f8dc099040a841b6daecf2e8fedb",
      "16603fca40634b6a2211e11db8f0a6a074a7d0d4afadb7bd76505c3d3ad5544e203f6326c95a807299b23ab13633a5f0",
      "4ab0b9bcfac1bbcb2c977d027796b3ce75bb8ca2be184cb5231413c4d634f3747a87ac2460f415ec961f8855fe9d6f2",
      "987c8d5333ab86fde9926bd2ca6c674170a05bfe3bdd81ffd038da6c26c842642f64550fedfe935a15e4ca31870fb29",
      "9fc4018bd96684be88c9e221e4da1bb8f3abd16679dc26c1e8b6e6a1f20cabe69d65201c78607a360370e577bdba587",
      "e1bba7a1186bdb5223abde7ada14a23c42a0ca7915af6fe06985e7ed1e4d43b9b3f7055dd4eba6f2bafaaebca731c30",
      "19713e47937cd1be0dfd0b8f1d43fb93cd2fcbcb6caf493fd1183e416389e61031bf3a5cce3fbafce813711ad011c132",
      "18b46a908f36f6deb918c143fed2edcc523559b8aaf0c2462e6bfe7f911f643249d9cdf41b44d606ce07c8a4d0074d8e",
      "b182cac101b9399d155096004f53f447aa7b12a3426b08ec02710e807b4633f06c851c1919211f20d4c04f00b971ef8",
      "245a394ad1eca9b72fc00ae7be315dc757b3b080d4c158013e6632d3c40659cc6cf90ad1c232a6442d9d3f5db980133",
      "5c129645e44cf1102a159f748c4a3fc5e673d81d7e86568d9ab0f5d396a7ce46ba1049b6579afb7866b1e715475224b",
      "15e6be4e990f03ce4ea50b3b42df2eb5cb181d8f84965a3957add4fa95af01b2b665027efec01c7704b456be69c8b604");
  /** RFC 9380 Appendix E.2: k_(4,0) .. k_(4,14), lowest degree first. */
  private static final BlsFp[] ISO_Y_DEN = fps(
      "16112c4c3a9c98b252181140fad0eae9601a6de578980be6eec3232b5be72e7a07f3688ef60c206d01479253b03663c1",
      "1962d75c2381201e1a0cbd6c43c348b885c84ff731c4d59ca4a10356f453e01f78a4260763529e3532f6102c2e49a03d",
      "58df3306640da276faaae7d6e8eb15778c4855551ae7f310c35a5dd279cd2eca6757cd636f96f891e2538b53dbf67f2",
      "16b7d288798e5395f20d23bf89edb4d1d115c5dbddbcd30e123da489e726af41727364f2c28297ada8d26d98445f5416",
      "be0e079545f43e4b00cc912f8228ddcc6d19c9f0f69bbb0542eda0fc9dec916a20b15dc0fd2ededda39142311a5001d",
      "8d9e5297186db2d9fb266eaac783182b70152c65550d881c5ecd87b6f0f5a6449f38db9dfa9cce202c6477faaf9b7ac",
      "166007c08a99db2fc3ba8734ace9824b5eecfdfa8d0cf8ef5dd365bc400a0051d5fa9c01a58b1fb93d1a1399126a775c",
      "16a3ef08be3ea7ea03bcddfabba6ff6ee5a4375efa1f4fd7feb34fd206357132b920f5b00801dee460ee415a15812ed9",
      "1866c8ed336c61231a1be54fd1d74cc4f9fb0ce4c6af5920abc5750c4bf39b4852cfe2f7bb9248836b233d9d55535d4a",
      "167a55cda70a6e1cea820597d94a84903216f763e13d87bb5308592e7ea7d4fbc7385ea3d529b35e346ef48bb8913f55",
      "4d2f259eea405bd48f010a01ad2911d9c6dd039bb61a6290e591b36e636a5c871a5c29f4f83060400f8b49cba8f6aa8",
      "accbb67481d033ff5852c1e48c50c477f94ff8aefce42d28c0f9a88cea7913516f968986f7ebbea9684b529e2561092",
      "ad6b9514c767fe3c3613144b45f1496543346d98adf02267d5ceef9a00d9b8693000763e3b90ac11e99b138573345cc",
      "2660400eb2e4f3b628bdd0d53cd76f2bf565b94e72927c1cb748df27942480e420517bd8714cc80d1fadc1326ed06f7",
      "e0fa1d816ddc03e6b24255e0d7819c171c40f65e273b853324efcd6356caa205ca2f570f13497804415473a1d634b8f");

  /** The generator of G1 (draft-irtf-cfrg-pairing-friendly-curves, section 4.2.1). */
  private static final Jac<BlsFp> G1 = new Jac<>(
      fp("17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"),
      fp("08b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1"),
      BlsFp.ONE);

  /** The generator of G2 (same source), x = x0 + x1 * u, y = y0 + y1 * u. */
  private static final Jac<Fp2> G2 = new Jac<>(
      Fp2.of(
          hex("024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"),
          hex("13e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e")),
      Fp2.of(
          hex("0ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801"),
          hex("0606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be")),
      Fp2.ONE);

  /** E: y^2 = x^3 + 4 over Fp; E': y^2 = x^3 + 4 (1 + u) over Fp2 (the M-type sextic twist). */
  private static final BlsFp B_G1 = BlsFp.of(4);
  private static final Fp2 B_G2 = new Fp2(BlsFp.of(4), BlsFp.of(4));

  /** The Miller-loop lines of -g2, the fixed G2 side of every verification. */
  private static final Lines NEG_G2_LINES = new Lines(G2.negate());

  /** Frobenius coefficients gamma_i = xi^(i (p - 1) / 6) for the basis w^i of Fp12, xi = 1 + u. */
  private static final Fp2[] FROBENIUS = new Fp2[6];

  static {
    Fp2 g = new Fp2(BlsFp.ONE, BlsFp.ONE).pow(P.subtract(BigInteger.ONE).divide(BigInteger.valueOf(6)));
    FROBENIUS[0] = Fp2.ONE;
    for (int i = 1; i < 6; i++) {
      FROBENIUS[i] = FROBENIUS[i - 1].mul(g);
    }
  }

  /**
   * The untwist-Frobenius-twist endomorphism psi of E'(Fp2), psi(x, y) = (conj(x) / w^(2(p-1)),
   * conj(y) / w^(3(p-1))) for the untwist (x, y) -> (x / w^2, y / w^3): w^(p-1) = xi^((p-1)/6) =
   * gamma_1, so the factors are 1 / gamma_2 and 1 / gamma_3.
   */
  private static final Fp2 PSI_X = FROBENIUS[2].inv();
  private static final Fp2 PSI_Y = FROBENIUS[3].inv();

  /**
   * The cube root of unity beta of the G1 endomorphism phi(x, y) = (beta x, y) that acts on G1 as
   * multiplication by -x^2 (Scott, "A note on group membership tests for G1, G2 and GT on BLS
   * pairing-friendly curves", ePrint 2021/1130, section 6): of the two primitive cube roots, the
   * one for which the generator satisfies it (the other acts as -x^2 squared).
   */
  private static final BlsFp BETA;

  static {
    BlsFp root = BlsFp.of(2).pow(P.subtract(BigInteger.ONE).divide(BigInteger.valueOf(3)));
    if (root.equals(BlsFp.ONE)) {
      throw new IllegalStateException("2 is a cube mod p; pick another base");
    }
    Jac<BlsFp> minusX2G = G1.times(NAF_X_SQUARED, 5).negate();
    BETA = minusX2G.sameAs(new Jac<>(G1.x.mul(root), G1.y, G1.z)) ? root : root.sqr();
  }

  /** The secret key k as the width-5 NAFs of k mod x^2 and k div x^2 ({@link #glvTimes}). */
  private final int[][] secretKeyGlv;
  private final byte[] publicKey;

  private Bls12381(BigInteger secretKey) {
    // The secret key is kept only in the form scalar multiplication reads.
    this.secretKeyGlv = glvNafs(secretKey);
    this.publicKey = encodeG2(G2.times(Jac.wnaf(secretKey, 5), 5));
  }

  /** A BLS12-381 key or signature that does not decode, or a secret key out of range. */
  public static final class BlsException extends IcException {
    private static final long serialVersionUID = 1L;

    BlsException(String message) {
      super(message);
    }
  }

  /**
   * The key pair of {@code secretKey}: 32 bytes, a big-endian integer in [1, r - 1] where r is the
   * order of G1 and G2.
   *
   * @throws BlsException if the length is not {@value #SECRET_KEY_LENGTH} or the value is 0 or
   *     at least r
   */
  public static Bls12381 fromSecretKey(byte[] secretKey) {
    if (secretKey.length != SECRET_KEY_LENGTH) {
      throw new BlsException("a BLS12-381 secret key is " + SECRET_KEY_LENGTH + " bytes, got "
          + secretKey.length + "; pass the big-endian scalar");
    }
    BigInteger sk = new BigInteger(1, secretKey);
    if (sk.signum() == 0 || sk.compareTo(R) >= 0) {
      throw new BlsException("a BLS12-381 secret key must be in [1, r - 1] (r = 0x" + R.toString(16)
          + "); generate one with Bls12381.generate()");
    }
    return new Bls12381(sk);
  }

  /** A new key pair from {@code random} (64 random bytes reduced into [1, r - 1]). */
  public static Bls12381 generate(SecureRandom random) {
    byte[] seed = new byte[64];
    random.nextBytes(seed);
    return new Bls12381(new BigInteger(1, seed).mod(R.subtract(BigInteger.ONE)).add(BigInteger.ONE));
  }

  /** A new key pair from a fresh {@link SecureRandom}. */
  public static Bls12381 generate() {
    return generate(new SecureRandom());
  }

  /** The 96-byte compressed public key (a G2 point). */
  public byte[] publicKey() {
    return publicKey.clone();
  }

  /** The public key in the IC's DER form ({@link #derWrap}), as a root key is announced. */
  public byte[] publicKeyDer() {
    return derWrap(publicKey);
  }

  /** The 48-byte compressed signature of {@code message}: secretKey * H(message) in G1. */
  public byte[] sign(byte[] message) {
    return encodeG1(glvTimes(hashToG1(message, DST_BYTES), secretKeyGlv));
  }

  /** Does not show the secret key. */
  @Override
  public String toString() {
    return "Bls12381[publicKey=" + HexFormat.of().formatHex(publicKey) + "]";
  }

  /**
   * Whether {@code signature} is the BLS signature of {@code message} under {@code publicKey}.
   *
   * @param publicKey the 96-byte compressed G2 public key (not DER; see {@link #derUnwrap})
   * @param message the signed bytes
   * @param signature the 48-byte compressed G1 signature
   * @return false if the signature does not verify
   * @throws BlsException if the key or the signature does not decode to a point of its subgroup
   *     other than the point at infinity
   */
  public static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
    Lines pk = publicKeyLines(publicKey);
    Jac<BlsFp> sig = decodeG1(signature);
    Jac<BlsFp> h = hashToG1(message, DST_BYTES);
    // e(sig, -g2) * e(H(m), pk) == 1, one shared Miller loop and one final exponentiation; the
    // G2 sides' lines are precomputed (the generator's once, a key's when it enters the cache).
    if (h.isInfinity()) {
      return false; // then only the point at infinity would verify, which no encoding is
    }
    Fp12 f = millerLoop(sig, NEG_G2_LINES, h, pk);
    return finalExponentiation(f).isOne();
  }

  /** Spec, "Certification": {@code der} prefix ++ {@code publicKey} (133 bytes). */
  public static byte[] derWrap(byte[] publicKey) {
    if (publicKey.length != PUBLIC_KEY_LENGTH) {
      throw new BlsException("a BLS12-381 public key is " + PUBLIC_KEY_LENGTH + " bytes, got "
          + publicKey.length);
    }
    byte[] out = Arrays.copyOf(DER_PREFIX, DER_PREFIX.length + PUBLIC_KEY_LENGTH);
    System.arraycopy(publicKey, 0, out, DER_PREFIX.length, PUBLIC_KEY_LENGTH);
    return out;
  }

  /**
   * The 96-byte public key inside the IC's DER form of a BLS12-381 key.
   *
   * @throws BlsException if {@code der} is not the IC's DER prefix followed by 96 bytes
   */
  public static byte[] derUnwrap(byte[] der) {
    if (der.length != DER_PREFIX.length + PUBLIC_KEY_LENGTH
        || !Arrays.equals(der, 0, DER_PREFIX.length, DER_PREFIX, 0, DER_PREFIX.length)) {
      throw new BlsException("not a DER BLS12-381 public key as the IC encodes one (spec,"
          + " \"Certification\": " + (DER_PREFIX.length + PUBLIC_KEY_LENGTH) + " bytes starting "
          + HexFormat.of().formatHex(DER_PREFIX) + "); got " + der.length + " bytes");
    }
    return Arrays.copyOfRange(der, DER_PREFIX.length, der.length);
  }

  // ---- encodings (ZCash serialization: big-endian x, the three top bits of the first byte are
  // compression, infinity and sign, the sign set when y is the lexicographically larger root) ----

  private static byte[] encodeG1(Jac<BlsFp> point) {
    Jac<BlsFp> a = point.affine();
    byte[] out = new byte[SIGNATURE_LENGTH];
    if (a.isInfinity()) {
      out[0] = (byte) 0xc0;
      return out;
    }
    a.x.toBytes(out, 0);
    out[0] |= (byte) (0x80 | (a.y.larger() ? 0x20 : 0));
    return out;
  }

  private static byte[] encodeG2(Jac<Fp2> point) {
    Jac<Fp2> a = point.affine();
    byte[] out = new byte[PUBLIC_KEY_LENGTH];
    if (a.isInfinity()) {
      out[0] = (byte) 0xc0;
      return out;
    }
    a.x.b.toBytes(out, 0);
    a.x.a.toBytes(out, 48);
    out[0] |= (byte) (0x80 | (a.y.larger() ? 0x20 : 0));
    return out;
  }

  /** Reads a coordinate, with the flag bits cleared when it is the first; refuses x >= p. */
  private static BlsFp coordinate(byte[] in, int offset, boolean first, String what) {
    BlsFp v = BlsFp.fromBytes(in, offset, first ? 0x1f : 0xff);
    if (v == null) {
      throw new BlsException(what + ": a coordinate is not below the field prime p");
    }
    return v;
  }

  private static int flags(byte[] in, String what) {
    int flags = in[0] & 0xe0;
    if ((flags & 0x80) == 0) {
      throw new BlsException(what + " is not in compressed form (the first bit must be set)");
    }
    if ((flags & 0x40) != 0) {
      throw new BlsException(what + " is the point at infinity, which no valid key or signature"
          + " is");
    }
    return flags;
  }

  static Jac<BlsFp> decodeG1(byte[] in) {
    String what = "BLS12-381 signature (compressed G1 point)";
    if (in.length != SIGNATURE_LENGTH) {
      throw new BlsException(what + " must be " + SIGNATURE_LENGTH + " bytes, got " + in.length);
    }
    int flags = flags(in, what);
    BlsFp x = coordinate(in, 0, true, what);
    BlsFp y = x.sqr().mul(x).add(B_G1).sqrt();
    if (y == null) {
      throw new BlsException(what + " is not on the curve y^2 = x^3 + 4");
    }
    if (y.larger() != ((flags & 0x20) != 0)) {
      y = y.neg();
    }
    Jac<BlsFp> point = new Jac<>(x, y, BlsFp.ONE);
    if (!inG1(point)) {
      throw new BlsException(what + " is on the curve but not in the prime-order subgroup G1");
    }
    return point;
  }

  /**
   * The few public keys verified lately (a client checks certificate after certificate against
   * one root key or subnet key), decoded, subgroup-checked and turned into their Miller-loop lines
   * once: the check is a quarter of a verification. Public data; bounded.
   */
  private static final Map<String, Lines> KEYS = Collections.synchronizedMap(
      new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Lines> eldest) {
          return size() > 8;
        }
      });

  private static Lines publicKeyLines(byte[] publicKey) {
    String hex = HexFormat.of().formatHex(publicKey);
    Lines lines = KEYS.get(hex);
    if (lines == null) {
      lines = new Lines(decodeG2(publicKey));
      KEYS.put(hex, lines);
    }
    return lines;
  }

  static Jac<Fp2> decodeG2(byte[] in) {
    String what = "BLS12-381 public key (compressed G2 point)";
    if (in.length != PUBLIC_KEY_LENGTH) {
      throw new BlsException(what + " must be " + PUBLIC_KEY_LENGTH + " bytes, got " + in.length
          + (in.length == DER_PREFIX.length + PUBLIC_KEY_LENGTH ? " (DER? use derUnwrap)" : ""));
    }
    int flags = flags(in, what);
    Fp2 x = new Fp2(coordinate(in, 48, false, what), coordinate(in, 0, true, what));
    Fp2 y = x.sqr().mul(x).add(B_G2).sqrt();
    if (y == null) {
      throw new BlsException(what + " is not on the curve y^2 = x^3 + 4 (1 + u)");
    }
    if (y.larger() != ((flags & 0x20) != 0)) {
      y = y.neg();
    }
    Jac<Fp2> point = new Jac<>(x, y, Fp2.ONE);
    if (!inG2(point)) {
      throw new BlsException(what + " is on the curve but not in the prime-order subgroup G2");
    }
    return point;
  }

  /**
   * Whether a point of E(Fp) lies in G1: phi(P) = -x^2 P (Scott, ePrint 2021/1130, section 6,
   * proves this equivalent to r P = 0 on BLS12-381), a 128-bit scalar multiplication where the
   * order check needs a 255-bit one.
   */
  static boolean inG1(Jac<BlsFp> p) {
    Jac<BlsFp> phi = new Jac<>(p.x.mul(BETA), p.y, p.z);
    return p.times(NAF_X_SQUARED, 5).negate().sameAs(phi);
  }

  /**
   * Whether a point of E'(Fp2) lies in G2: psi(Q) = x Q (Scott, ePrint 2021/1130, section 4, for
   * BLS12 curves), a 64-bit scalar multiplication; x is negative, so x Q = -(|x| Q).
   */
  static boolean inG2(Jac<Fp2> q) {
    Jac<Fp2> psi = new Jac<>(q.x.conjugate().mul(PSI_X), q.y.conjugate().mul(PSI_Y),
        q.z.conjugate());
    return q.times(NAF_X_ABS, 5).negate().sameAs(psi);
  }

  /**
   * The GLV split (Gallant, Lambert and Vanstone, CRYPTO 2001) of a scalar 0 <= k < r for G1:
   * k = k0 + k1 x^2 with k0 = k mod x^2 and k1 = k div x^2, both about 128 bits (r is about x^4),
   * as width-5 NAFs.
   */
  static int[][] glvNafs(BigInteger k) {
    BigInteger[] qr = k.divideAndRemainder(X_ABS.multiply(X_ABS));
    return new int[][] {Jac.wnaf(qr[1], 5), Jac.wnaf(qr[0], 5)};
  }

  /**
   * k P for P in G1 and k given by {@link #glvNafs}: x^2 P = -phi(P) (phi acts on G1 as -x^2, see
   * {@link #BETA}), so k P = k0 P + k1 (-phi(P)), one joint loop of about 128 doublings where the
   * plain NAF needs 255; the odd multiples of -phi(P) are those of P with X times beta and Y
   * negated. Only for points of G1.
   */
  static Jac<BlsFp> glvTimes(Jac<BlsFp> p, int[][] nafs) {
    int[] naf0 = nafs[0];
    int[] naf1 = nafs[1];
    int size = 1 << 3; // w = 5: P, 3P, .., 15P
    @SuppressWarnings({"unchecked", "rawtypes"})
    Jac<BlsFp>[] odd = new Jac[size];
    @SuppressWarnings({"unchecked", "rawtypes"})
    Jac<BlsFp>[] oddPhi = new Jac[size];
    odd[0] = p;
    Jac<BlsFp> twice = p.twice();
    for (int j = 1; j < size; j++) {
      odd[j] = odd[j - 1].plus(twice);
    }
    for (int j = 0; j < size; j++) {
      oddPhi[j] = new Jac<>(odd[j].x.mul(BETA), odd[j].y.neg(), odd[j].z);
    }
    Jac<BlsFp> acc = Jac.infinity(BlsFp.ONE);
    for (int i = Math.max(naf0.length, naf1.length) - 1; i >= 0; i--) {
      acc = acc.twice();
      int d = i < naf0.length ? naf0[i] : 0;
      if (d > 0) {
        acc = acc.plus(odd[d >> 1]);
      } else if (d < 0) {
        acc = acc.plus(odd[-d >> 1].negate());
      }
      d = i < naf1.length ? naf1[i] : 0;
      if (d > 0) {
        acc = acc.plus(oddPhi[d >> 1]);
      } else if (d < 0) {
        acc = acc.plus(oddPhi[-d >> 1].negate());
      }
    }
    return acc;
  }

  /** The order check r P = 0 the subgroup checks replace, kept for the tests to compare with. */
  static boolean inG1ByOrder(Jac<BlsFp> p) {
    return p.times(R).isInfinity();
  }

  static boolean inG2ByOrder(Jac<Fp2> q) {
    return q.times(R).isInfinity();
  }

  // ---- hash to curve (RFC 9380) ----

  /** RFC 9380 section 3, hash_to_curve for BLS12381G1_XMD:SHA-256_SSWU_RO_ (section 8.8.1). */
  static Jac<BlsFp> hashToG1(byte[] message, byte[] dst) {
    BlsFp[] u = hashToField(message, dst);
    Jac<BlsFp> q0 = isoMap(mapToCurveSswu(u[0]));
    Jac<BlsFp> q1 = isoMap(mapToCurveSswu(u[1]));
    // RFC 9380 section 7: clear_cofactor(P) = h_eff * P.
    return q0.plus(q1).times(NAF_H_EFF_G1, 5);
  }

  /** The affine (x, y) of {@link #hashToG1}, for the RFC's test vectors. */
  static BigInteger[] hashToG1Affine(byte[] message, byte[] dst) {
    Jac<BlsFp> a = hashToG1(message, dst).affine();
    return new BigInteger[] {a.x.toBigInteger(), a.y.toBigInteger()};
  }

  /** RFC 9380 section 5.2, hash_to_field with count 2, m 1, L 64. */
  private static BlsFp[] hashToField(byte[] message, byte[] dst) {
    byte[] uniform = expandMessageXmd(message, dst, 128);
    return new BlsFp[] {BlsFp.fromWideBytes(uniform, 0), BlsFp.fromWideBytes(uniform, 64)};
  }

  /** RFC 9380 section 5.3.1, expand_message_xmd with SHA-256 (b_in_bytes 32, s_in_bytes 64). */
  static byte[] expandMessageXmd(byte[] message, byte[] dst, int lenInBytes) {
    int ell = (lenInBytes + 31) / 32;
    if (ell > 255 || lenInBytes > 65535 || dst.length > 255) {
      throw new IllegalArgumentException("expand_message_xmd: output or DST too long");
    }
    byte[] dstPrime = Arrays.copyOf(dst, dst.length + 1);
    dstPrime[dst.length] = (byte) dst.length;
    MessageDigest sha = sha256();
    sha.update(new byte[64]);
    sha.update(message);
    sha.update(new byte[] {(byte) (lenInBytes >>> 8), (byte) lenInBytes, 0});
    sha.update(dstPrime);
    byte[] b0 = sha.digest();
    byte[] out = new byte[ell * 32];
    byte[] prev = new byte[32];
    for (int i = 1; i <= ell; i++) {
      byte[] in = new byte[32];
      for (int j = 0; j < 32; j++) {
        in[j] = (byte) (b0[j] ^ prev[j]);
      }
      sha.update(in);
      sha.update((byte) i);
      sha.update(dstPrime);
      prev = sha.digest();
      System.arraycopy(prev, 0, out, (i - 1) * 32, 32);
    }
    return Arrays.copyOf(out, lenInBytes);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /**
   * RFC 9380 Appendix F.2, the optimised simplified SWU onto E' (A', B', Z of section 8.8.1) with
   * sqrt_ratio for q = 3 mod 4 (Appendix F.2.1.2): one exponentiation per field element where the
   * straightforward section 6.6.2 needs an inversion and one or two square roots. Returns {xn,
   * xd, y} with x = xn / xd; the isogeny takes the fraction as it is.
   */
  static BlsFp[] mapToCurveSswu(BlsFp u) {
    BlsFp tv1 = SSWU_Z.mul(u.sqr());
    BlsFp tv2 = tv1.sqr().add(tv1);
    BlsFp tv3 = SSWU_B.mul(tv2.add(BlsFp.ONE));
    BlsFp tv4 = SSWU_A.mul(tv2.isZero() ? SSWU_Z : tv2.neg());
    BlsFp tv6 = tv4.sqr();
    // gx1 = (tv3^3 + A tv3 tv4^2 + B tv4^3) / tv4^3 as tv2 / tv6
    BlsFp num = tv3.sqr().add(SSWU_A.mul(tv6)).mul(tv3);
    tv6 = tv6.mul(tv4);
    num = num.add(SSWU_B.mul(tv6));
    // sqrt_ratio(num, tv6): y1 = (num tv6^3)^((p - 3) / 4) num tv6, a root of num / tv6 when that
    // is square, else y1 sqrt(-Z) is a root of Z num / tv6 (the g(x2) of x2 = Z u^2 x1).
    BlsFp uv = num.mul(tv6);
    BlsFp y1 = uv.mul(tv6.sqr()).pow(SQRT_RATIO_EXP).mul(uv);
    boolean square = y1.sqr().mul(tv6).equals(num);
    BlsFp x;
    BlsFp y;
    if (square) {
      x = tv3;
      y = y1;
    } else {
      x = tv1.mul(tv3);
      y = tv1.mul(u).mul(y1).mul(SQRT_MINUS_Z);
    }
    // sgn0 (RFC 9380 section 4.1) for m = 1 is the parity.
    if (u.isOdd() != y.isOdd()) {
      y = y.neg();
    }
    return new BlsFp[] {x, tv4, y};
  }

  /**
   * RFC 9380 Appendix E.2: the 11-isogeny map from E' to E, for x' = xn / xd. The rational maps
   * are evaluated homogeneously (sum k_i xn^i xd^(n - i)), so x = X_num / (X_den xd) (degrees 11
   * and 10) and y = y' Y_num / Y_den (both of degree 15): no inversion.
   */
  static Jac<BlsFp> isoMap(BlsFp[] point) {
    BlsFp xn = point[0];
    BlsFp[] xdPow = new BlsFp[16];
    xdPow[0] = BlsFp.ONE;
    for (int i = 1; i < 16; i++) {
      xdPow[i] = xdPow[i - 1].mul(point[1]);
    }
    BlsFp xNum = homogeneous(ISO_X_NUM, xn, xdPow, false);
    BlsFp xDen = homogeneous(ISO_X_DEN, xn, xdPow, true).mul(point[1]);
    BlsFp yNum = homogeneous(ISO_Y_NUM, xn, xdPow, false).mul(point[2]);
    BlsFp yDen = homogeneous(ISO_Y_DEN, xn, xdPow, true);
    if (xDen.isZero() || yDen.isZero()) {
      return Jac.infinity(BlsFp.ONE);
    }
    // In Jacobian coordinates with Z = xDen yDen, X = xNum xDen yDen^2 gives X / Z^2 = xNum / xDen,
    // and Y = yNum xDen^3 yDen^2 gives Y / Z^3 = yNum / yDen.
    BlsFp z = xDen.mul(yDen);
    BlsFp yDen2 = yDen.sqr();
    BlsFp xDen2 = xDen.sqr();
    return new Jac<>(xNum.mul(xDen).mul(yDen2), yNum.mul(xDen2).mul(xDen).mul(yDen2), z);
  }

  /**
   * sum k_i xn^i xd^(n - i) for n = k.length (monic: with k_n = 1) or k.length - 1, by Horner's
   * rule on xn with the powers of xd given.
   */
  private static BlsFp homogeneous(BlsFp[] k, BlsFp xn, BlsFp[] xdPow, boolean monic) {
    int n = monic ? k.length : k.length - 1;
    BlsFp acc = monic ? BlsFp.ONE : k[n];
    for (int i = n - 1; i >= 0; i--) {
      acc = acc.mul(xn).add(k[i].mul(xdPow[n - i]));
    }
    return acc;
  }

  // ---- the optimal ate pairing ----

  /**
   * The Miller-loop lines of a point Q of E'(Fp2), which depend on Q only: Q runs in affine
   * coordinates through the loop over the bits of |x|, and the line of each doubling or addition
   * step, evaluated at P after the untwist (x', y') -> (x' / w^2, y' / w^3) and scaled by w^3 (a
   * factor the final exponentiation removes), is {@code (lambda x_T - y_T) - lambda x_P w^2 + y_P
   * w^3}; kept are {@code lambda x_T - y_T} and {@code lambda}, in the loop's order.
   */
  private static final class Lines {
    final Fp2[] c0;
    final Fp2[] lambda;

    Lines(Jac<Fp2> point) {
      Jac<Fp2> q = point.affine();
      int n = X_ABS.bitLength() - 1 + X_ABS.bitCount() - 1;
      c0 = new Fp2[n];
      lambda = new Fp2[n];
      Fp2 tx = q.x;
      Fp2 ty = q.y;
      int k = 0;
      for (int bit = X_ABS.bitLength() - 2; bit >= 0; bit--) {
        Fp2 three = tx.sqr();
        Fp2 l = three.add(three).add(three).mul(ty.add(ty).inv());
        c0[k] = l.mul(tx).sub(ty);
        lambda[k++] = l;
        Fp2 x3 = l.sqr().sub(tx.add(tx));
        ty = l.mul(tx.sub(x3)).sub(ty);
        tx = x3;
        if (X_ABS.testBit(bit)) {
          l = q.y.sub(ty).mul(q.x.sub(tx).inv());
          c0[k] = l.mul(tx).sub(ty);
          lambda[k++] = l;
          x3 = l.sqr().sub(tx).sub(q.x);
          ty = l.mul(tx.sub(x3)).sub(ty);
          tx = x3;
        }
      }
    }
  }

  /**
   * f_{|x|,Q1}(P1) f_{|x|,Q2}(P2), conjugated because x is negative: one shared loop of squarings
   * over the bits of |x|, the precomputed lines of Q1 and Q2 evaluated at P1 and P2 (points other
   * than infinity, with y not 0). Each line is scaled by 1 / y_P, an Fp factor the final
   * exponentiation removes (it kills every element of a proper subfield), so that its w^3
   * coefficient is 1 and it multiplies in as a sparse element ({@link Fp12#mulByLine}).
   */
  private static Fp12 millerLoop(Jac<BlsFp> p1, Lines q1, Jac<BlsFp> p2, Lines q2) {
    // Affine x / y and 1 / y of both points from one inversion: with d = Z Y, 1 / Z = Y / d and
    // 1 / Y = Z / d; then 1 / y = Z^3 / Y and x / y = X / (Z^2 y) = X Z / Y.
    BlsFp d1 = p1.z.mul(p1.y);
    BlsFp d2 = p2.z.mul(p2.y);
    BlsFp both = d1.mul(d2).inv();
    BlsFp[] s1 = lineScalars(p1, both.mul(d2));
    BlsFp[] s2 = lineScalars(p2, both.mul(d1));
    Fp12 f = Fp12.ONE;
    int k = 0;
    for (int bit = X_ABS.bitLength() - 2; bit >= 0; bit--) {
      f = f.sqr();
      f = f.mulByLine(q1.c0[k].mulFp(s1[0]), q1.lambda[k].mulFp(s1[1]));
      f = f.mulByLine(q2.c0[k].mulFp(s2[0]), q2.lambda[k].mulFp(s2[1]));
      k++;
      if (X_ABS.testBit(bit)) {
        f = f.mulByLine(q1.c0[k].mulFp(s1[0]), q1.lambda[k].mulFp(s1[1]));
        f = f.mulByLine(q2.c0[k].mulFp(s2[0]), q2.lambda[k].mulFp(s2[1]));
        k++;
      }
    }
    return f.conjugate();
  }

  /**
   * {1 / y, -x / y} of the affine form of p given 1 / (Z Y): the factors of a line's constant
   * coefficient and of its lambda once the line is scaled by 1 / y (it was {@code (lambda x_T -
   * y_T) - lambda x_P w^2 + y_P w^3}).
   */
  private static BlsFp[] lineScalars(Jac<BlsFp> p, BlsFp invZy) {
    BlsFp invY = p.z.mul(invZy);
    BlsFp z3 = p.z.sqr().mul(p.z);
    return new BlsFp[] {z3.mul(invY), p.x.mul(p.z).mul(invY).neg()};
  }

  /**
   * f^(3 (p^12 - 1) / r): the easy part (p^6 - 1)(p^2 + 1), then the hard part (p^4 - p^2 + 1) / r
   * times 3 as lambda_0 + lambda_1 p + lambda_2 p^2 + lambda_3 p^3 with lambda_3 = (x - 1)^2,
   * lambda_2 = lambda_3 x, lambda_1 = lambda_2 x - lambda_3, lambda_0 = lambda_1 x + 3 (the
   * decomposition of Hayashida, Hayasaka and Teruya, ePrint 2020/875, checked in Bls12381Test);
   * the Frobenius powers are cheap. Cubing keeps the result 1 exactly when the pairing value is 1
   * (3 is prime to r).
   */
  private static Fp12 finalExponentiation(Fp12 f) {
    Fp12 t = easyPart(f);
    Fp12 a = powX(t).mul(t.conjugate());
    a = powX(a).mul(a.conjugate());
    Fp12 b = powX(a);
    Fp12 c = powX(b).mul(a.conjugate());
    Fp12 d = powX(c).mul(t.cyclotomicSqr()).mul(t);
    return d.mul(c.frobenius()).mul(b.frobenius().frobenius())
        .mul(a.frobenius().frobenius().frobenius());
  }

  /** f^((p^6 - 1)(p^2 + 1)), which lands in the cyclotomic subgroup. */
  static Fp12 easyPart(Fp12 f) {
    Fp12 t = f.conjugate().mul(f.inverse());
    return t.frobenius().frobenius().mul(t);
  }

  /**
   * g^x for g in the cyclotomic subgroup, where the inverse is the conjugate (x is negative) and
   * squaring is the cheaper {@link Fp12#cyclotomicSqr}.
   */
  private static Fp12 powX(Fp12 g) {
    Fp12 acc = g;
    for (int bit = X_ABS.bitLength() - 2; bit >= 0; bit--) {
      acc = acc.cyclotomicSqr();
      if (X_ABS.testBit(bit)) {
        acc = acc.mul(g);
      }
    }
    return acc.conjugate();
  }

  // ---- fields ----

  /** The operations the point arithmetic needs, shared by Fp (G1) and Fp2 (G2). */
  interface Field<T extends Field<T>> {
    T add(T o);

    T sub(T o);

    T mul(T o);

    T sqr();

    T neg();

    T inv();

    boolean isZero();

    T zero();
  }

  /** An element a + b u of Fp2 = Fp[u] / (u^2 + 1). */
  record Fp2(BlsFp a, BlsFp b) implements Field<Fp2> {
    static final Fp2 ZERO = new Fp2(BlsFp.ZERO, BlsFp.ZERO);
    static final Fp2 ONE = new Fp2(BlsFp.ONE, BlsFp.ZERO);
    private static final BlsFp HALF = BlsFp.of(2).inv();

    static Fp2 of(BigInteger a, BigInteger b) {
      return new Fp2(BlsFp.of(a), BlsFp.of(b));
    }

    @Override
    public Fp2 add(Fp2 o) {
      return new Fp2(a.add(o.a), b.add(o.b));
    }

    @Override
    public Fp2 sub(Fp2 o) {
      return new Fp2(a.sub(o.a), b.sub(o.b));
    }

    Fp2 dbl() {
      return new Fp2(a.dbl(), b.dbl());
    }

    /** Karatsuba with lazy reduction ({@link BlsFp#fp2Mul}). */
    @Override
    public Fp2 mul(Fp2 o) {
      return BlsFp.fp2Mul(a, b, o.a, o.b);
    }

    /** Karatsuba with a reduction per Fp product, the slow path the tests compare with. */
    Fp2 mulReduced(Fp2 o) {
      BlsFp ac = a.mul(o.a);
      BlsFp bd = b.mul(o.b);
      BlsFp cross = a.add(b).mul(o.a.add(o.b)).sub(ac).sub(bd);
      return new Fp2(ac.sub(bd), cross);
    }

    Fp2 mulFp(BlsFp k) {
      return new Fp2(a.mul(k), b.mul(k));
    }

    /** this * xi, xi = 1 + u: (a - b) + (a + b) u. */
    Fp2 mulXi() {
      return new Fp2(a.sub(b), a.add(b));
    }

    @Override
    public Fp2 sqr() {
      // (a + bu)^2 = (a + b)(a - b) + 2ab u
      return new Fp2(a.add(b).mul(a.sub(b)), a.mul(b).dbl());
    }

    @Override
    public Fp2 neg() {
      return new Fp2(a.neg(), b.neg());
    }

    @Override
    public Fp2 inv() {
      BlsFp norm = a.sqr().add(b.sqr()).inv();
      return new Fp2(a.mul(norm), b.neg().mul(norm));
    }

    @Override
    public boolean isZero() {
      return a.isZero() && b.isZero();
    }

    @Override
    public Fp2 zero() {
      return ZERO;
    }

    Fp2 conjugate() {
      return new Fp2(a, b.neg());
    }

    Fp2 pow(BigInteger e) {
      Fp2 acc = ONE;
      for (int i = e.bitLength() - 1; i >= 0; i--) {
        acc = acc.sqr();
        if (e.testBit(i)) {
          acc = acc.mul(this);
        }
      }
      return acc;
    }

    /** The ZCash sign: the larger of y and -y, comparing the u coefficient first. */
    boolean larger() {
      return !b.isZero() ? b.larger() : a.larger();
    }

    /**
     * A square root, or null if there is none (p = 3 mod 4; through the norm a^2 + b^2, whose
     * root gamma gives x0^2 = (a +- gamma) / 2 and x1 = b / (2 x0)).
     */
    @Nullable Fp2 sqrt() {
      if (b.isZero()) {
        BlsFp r = a.sqrt();
        if (r != null) {
          return new Fp2(r, BlsFp.ZERO);
        }
        BlsFp s = a.neg().sqrt(); // -1 is not a square in Fp, so -a is
        return s == null ? null : new Fp2(BlsFp.ZERO, s);
      }
      BlsFp gamma = a.sqr().add(b.sqr()).sqrt();
      if (gamma == null) {
        return null;
      }
      BlsFp x0 = a.add(gamma).mul(HALF).sqrt();
      if (x0 == null) {
        x0 = a.sub(gamma).mul(HALF).sqrt();
      }
      if (x0 == null || x0.isZero()) {
        return null;
      }
      Fp2 root = new Fp2(x0, b.mul(x0.dbl().inv()));
      return root.sqr().equals(this) ? root : null;
    }
  }

  /**
   * An element sum c_i w^i of Fp12 = Fp2[w] / (w^6 - xi), xi = 1 + u. The products go through the
   * usual tower Fp6 = Fp2[v] / (v^3 - xi), Fp12 = Fp6[w] / (w^2 - v) with v = w^2: f = A + B w
   * for A = c0 + c2 v + c4 v^2 and B = c1 + c3 v + c5 v^2, Karatsuba at both levels (18 Fp2
   * products per Fp12 product, where the schoolbook over the w^i needs 36).
   */
  static final class Fp12 {
    static final Fp12 ONE;

    static {
      Fp2[] c = new Fp2[6];
      Arrays.fill(c, Fp2.ZERO);
      c[0] = Fp2.ONE;
      ONE = new Fp12(c);
    }

    final Fp2[] c;

    Fp12(Fp2[] c) {
      this.c = c;
    }

    private static Fp12 of(Fp2[] a, Fp2[] b) {
      return new Fp12(new Fp2[] {a[0], b[0], a[1], b[1], a[2], b[2]});
    }

    private Fp2[] even() {
      return new Fp2[] {c[0], c[2], c[4]};
    }

    private Fp2[] odd() {
      return new Fp2[] {c[1], c[3], c[5]};
    }

    /**
     * (A + B w)(A' + B' w) = (A A' + v B B') + ((A + B)(A' + B') - A A' - B B') w, the three Fp6
     * products combined unreduced ({@link #mul6Wide}): six reductions per coefficient pair where
     * reduced Fp2 products need 36.
     */
    Fp12 mul(Fp12 o) {
      Fp2[] a = even();
      Fp2[] b = odd();
      Fp2[] oa = o.even();
      Fp2[] ob = o.odd();
      long[][][] aa = mul6Wide(a, oa);
      long[][][] bb = mul6Wide(b, ob);
      long[][][] cross = mul6Wide(add6(a, b), add6(oa, ob));
      for (int i = 0; i < 3; i++) {
        subFrom(cross[i], aa[i]);
        subFrom(cross[i], bb[i]);
      }
      addXiTo(aa[0], bb[2]);
      addTo(aa[1], bb[0]);
      addTo(aa[2], bb[1]);
      return of(reduce6(aa), reduce6(cross));
    }

    /** The reduced product of the Fp12 slow path, for the tests. */
    Fp12 mulReduced(Fp12 o) {
      Fp2[] a = even();
      Fp2[] b = odd();
      Fp2[] oa = o.even();
      Fp2[] ob = o.odd();
      Fp2[] aa = mul6Reduced(a, oa);
      Fp2[] bb = mul6Reduced(b, ob);
      Fp2[] cross = sub6(sub6(mul6Reduced(add6(a, b), add6(oa, ob)), aa), bb);
      return of(add6(aa, mulV6(bb)), cross);
    }

    /**
     * this * (l0 + l1 w^2 + w^3), a line of the Miller loop scaled to a w^3 coefficient of 1: the
     * line is LA + v w with LA = l0 + l1 v, so (A + B w)(LA + v w) = (A LA + v^2 B) + (v A + B LA)
     * w, two sparse Fp6 products (five Fp2 products each) and shifts.
     */
    Fp12 mulByLine(Fp2 l0, Fp2 l1) {
      Fp2[] a = even();
      Fp2[] b = odd();
      return of(add6(mul6By01(a, l0, l1), mulV6(mulV6(b))), add6(mulV6(a), mul6By01(b, l0, l1)));
    }

    /**
     * (a0 + a1 v + a2 v^2)(l0 + l1 v) = (a0 l0 + xi a2 l1) + (a0 l1 + a1 l0) v + (a1 l1 + a2 l0) v^2,
     * five Fp2 products combined unreduced.
     */
    static Fp2[] mul6By01(Fp2[] a, Fp2 l0, Fp2 l1) {
      long[][] v0 = wide(a[0], l0);
      long[][] v1 = wide(a[1], l1);
      long[][] c0 = mulXiWide(wide(a[2], l1));
      addTo(c0, v0);
      long[][] c1 = wide(a[0].add(a[1]), l0.add(l1));
      subFrom(c1, v0);
      subFrom(c1, v1);
      long[][] c2 = wide(a[2], l0);
      addTo(c2, v1);
      return new Fp2[] {reduce2(c0), reduce2(c1), reduce2(c2)};
    }

    /** {@link #mul6By01} with every Fp2 product reduced, for the tests. */
    static Fp2[] mul6By01Reduced(Fp2[] a, Fp2 l0, Fp2 l1) {
      Fp2 v0 = a[0].mulReduced(l0);
      Fp2 v1 = a[1].mulReduced(l1);
      Fp2 c0 = a[2].mulReduced(l1).mulXi().add(v0);
      Fp2 c1 = a[0].add(a[1]).mulReduced(l0.add(l1)).sub(v0).sub(v1);
      Fp2 c2 = a[2].mulReduced(l0).add(v1);
      return new Fp2[] {c0, c1, c2};
    }

    /**
     * (A + B w)^2 = ((A + B)(A + v B) - A B - v A B) + 2 A B w: two Fp6 products, combined
     * unreduced.
     */
    Fp12 sqr() {
      Fp2[] a = even();
      Fp2[] b = odd();
      long[][][] ab = mul6Wide(a, b);
      long[][][] c0 = mul6Wide(add6(a, b), add6(a, mulV6(b)));
      for (int i = 0; i < 3; i++) {
        subFrom(c0[i], ab[i]);
      }
      // v A B = xi ab2 + ab0 v + ab1 v^2
      long[][] t = mulXiWide(copy(ab[2]));
      subFrom(c0[0], t);
      subFrom(c0[1], ab[0]);
      subFrom(c0[2], ab[1]);
      for (int i = 0; i < 3; i++) {
        addTo(ab[i], ab[i]);
      }
      return of(reduce6(c0), reduce6(ab));
    }

    /** The reduced square of the slow path, for the tests. */
    Fp12 sqrReduced() {
      Fp2[] a = even();
      Fp2[] b = odd();
      Fp2[] ab = mul6Reduced(a, b);
      Fp2[] c0 = sub6(sub6(mul6Reduced(add6(a, b), add6(a, mulV6(b))), ab), mulV6(ab));
      return of(c0, add6(ab, ab));
    }

    /**
     * The square of an element of the cyclotomic subgroup (f^(p^6 + 1) = 1, which every value
     * after the easy part of the final exponentiation is): Granger and Scott, "Faster squaring in
     * the cyclotomic subgroup of sixth degree extensions" (PKC 2010), section 3.2. With s = w^3
     * (s^2 = xi), f = A0 + A1 w + A2 w^2 over Fp4 = Fp2[s], A0 = c0 + c3 s, A1 = c1 + c4 s,
     * A2 = c2 + c5 s, and f^2 = (3 A0^2 - 2 conj A0) + (3 s A2^2 + 2 conj A1) w + (3 A1^2 - 2
     * conj A2) w^2, conj being s -> -s: nine Fp2 squarings.
     */
    Fp12 cyclotomicSqr() {
      // the nine Fp2 squares unreduced; each output coefficient is reduced once, as 3 A_i^2,
      // before the 2 conj term is added
      long[][][] a0 = fp4SqrWide(c[0], c[3]);
      long[][][] a1 = fp4SqrWide(c[1], c[4]);
      long[][][] a2 = fp4SqrWide(c[2], c[5]);
      Fp2[] out = new Fp2[6];
      out[0] = reduce2(times3(a0[0])).sub(c[0].dbl());
      out[3] = reduce2(times3(a0[1])).add(c[3].dbl());
      // s A2^2 = s (x + y s) = xi y + x s
      out[1] = reduce2(times3(mulXiWide(a2[1]))).add(c[1].dbl());
      out[4] = reduce2(times3(a2[0])).sub(c[4].dbl());
      out[2] = reduce2(times3(a1[0])).sub(c[2].dbl());
      out[5] = reduce2(times3(a1[1])).add(c[5].dbl());
      return new Fp12(out);
    }

    /**
     * (x + y s)^2 = (x^2 + xi y^2) + ((x + y)^2 - x^2 - y^2) s, unreduced (magnitude below 6 p^2).
     */
    private static long[][][] fp4SqrWide(Fp2 x, Fp2 y) {
      long[][] x2 = BlsFp.fp2SqrWide(x.a(), x.b());
      long[][] y2 = BlsFp.fp2SqrWide(y.a(), y.b());
      Fp2 s = x.add(y);
      long[][] cross = BlsFp.fp2SqrWide(s.a(), s.b());
      subFrom(cross, x2);
      subFrom(cross, y2);
      addXiTo(x2, y2);
      return new long[][][] {x2, cross};
    }

    private static long[][] times3(long[][] x) {
      for (int j = 0; j < 2; j++) {
        for (int k = 0; k < 14; k++) {
          x[j][k] *= 3;
        }
      }
      return x;
    }

    /** {@link #cyclotomicSqr} with every Fp2 square reduced, for the tests. */
    Fp12 cyclotomicSqrReduced() {
      Fp2[] a0 = fp4Sqr(c[0], c[3]);
      Fp2[] a1 = fp4Sqr(c[1], c[4]);
      Fp2[] a2 = fp4Sqr(c[2], c[5]);
      Fp2[] out = new Fp2[6];
      out[0] = triple(a0[0]).sub(c[0].dbl());
      out[3] = triple(a0[1]).add(c[3].dbl());
      // s A2^2 = s (x + y s) = xi y + x s
      out[1] = triple(a2[1].mulXi()).add(c[1].dbl());
      out[4] = triple(a2[0]).sub(c[4].dbl());
      out[2] = triple(a1[0]).sub(c[2].dbl());
      out[5] = triple(a1[1]).add(c[5].dbl());
      return new Fp12(out);
    }

    /** (x + y s)^2 = (x^2 + xi y^2) + ((x + y)^2 - x^2 - y^2) s. */
    private static Fp2[] fp4Sqr(Fp2 x, Fp2 y) {
      Fp2 x2 = x.sqr();
      Fp2 y2 = y.sqr();
      return new Fp2[] {x2.add(y2.mulXi()), x.add(y).sqr().sub(x2).sub(y2)};
    }

    private static Fp2 triple(Fp2 x) {
      return x.dbl().add(x);
    }

    /** f^(p^6): w^(p^6) = -w, so the odd coefficients change sign. */
    Fp12 conjugate() {
      Fp2[] out = c.clone();
      for (int i = 1; i < 6; i += 2) {
        out[i] = out[i].neg();
      }
      return new Fp12(out);
    }

    /** f^p: (c_i w^i)^p = conj(c_i) gamma_i w^i. */
    Fp12 frobenius() {
      Fp2[] out = new Fp2[6];
      for (int i = 0; i < 6; i++) {
        out[i] = c[i].conjugate().mul(FROBENIUS[i]);
      }
      return new Fp12(out);
    }

    /** 1 / (A + B w) = (A - B w) / (A^2 - v B^2), the denominator in Fp6. */
    Fp12 inverse() {
      Fp2[] a = even();
      Fp2[] b = odd();
      Fp2[] d = inv6(sub6(mul6(a, a), mulV6(mul6(b, b))));
      Fp2[] nb = mul6(b, d);
      for (int i = 0; i < 3; i++) {
        nb[i] = nb[i].neg();
      }
      return of(mul6(a, d), nb);
    }

    boolean isOne() {
      for (int i = 0; i < 6; i++) {
        if (!c[i].equals(i == 0 ? Fp2.ONE : Fp2.ZERO)) {
          return false;
        }
      }
      return true;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Fp12 f && Arrays.equals(c, f.c);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(c);
    }

    // ---- Fp6 = Fp2[v] / (v^3 - xi), as coefficient triples ----

    /** Karatsuba for three coefficients: six Fp2 products, reduced once per coefficient. */
    private static Fp2[] mul6(Fp2[] a, Fp2[] b) {
      return reduce6(mul6Wide(a, b));
    }

    /**
     * {@link #mul6} before its reductions: each coefficient as {@link BlsFp#fp2MulWide} columns
     * (magnitude below 14 p^2 for reduced inputs).
     */
    private static long[][][] mul6Wide(Fp2[] a, Fp2[] b) {
      long[][] v0 = wide(a[0], b[0]);
      long[][] v1 = wide(a[1], b[1]);
      long[][] v2 = wide(a[2], b[2]);
      long[][] c0 = wide(a[1].add(a[2]), b[1].add(b[2]));
      subFrom(c0, v1);
      subFrom(c0, v2);
      c0 = mulXiWide(c0);
      addTo(c0, v0);
      long[][] c1 = wide(a[0].add(a[1]), b[0].add(b[1]));
      subFrom(c1, v0);
      subFrom(c1, v1);
      addXiTo(c1, v2);
      long[][] c2 = wide(a[0].add(a[2]), b[0].add(b[2]));
      subFrom(c2, v0);
      subFrom(c2, v2);
      addTo(c2, v1);
      return new long[][][] {c0, c1, c2};
    }

    private static long[][] wide(Fp2 x, Fp2 y) {
      return BlsFp.fp2MulWide(x.a(), x.b(), y.a(), y.b());
    }

    private static void addTo(long[][] acc, long[][] x) {
      for (int j = 0; j < 2; j++) {
        long[] a = acc[j];
        long[] b = x[j];
        for (int k = 0; k < 14; k++) {
          a[k] += b[k];
        }
      }
    }

    private static void subFrom(long[][] acc, long[][] x) {
      for (int j = 0; j < 2; j++) {
        long[] a = acc[j];
        long[] b = x[j];
        for (int k = 0; k < 14; k++) {
          a[k] -= b[k];
        }
      }
    }

    /** acc += xi x, xi x = (re - im) + (re + im) u. */
    private static void addXiTo(long[][] acc, long[][] x) {
      for (int k = 0; k < 14; k++) {
        long re = x[0][k];
        long im = x[1][k];
        acc[0][k] += re - im;
        acc[1][k] += re + im;
      }
    }

    /** x times xi, in place. */
    private static long[][] mulXiWide(long[][] x) {
      for (int k = 0; k < 14; k++) {
        long re = x[0][k];
        long im = x[1][k];
        x[0][k] = re - im;
        x[1][k] = re + im;
      }
      return x;
    }

    private static long[][] copy(long[][] x) {
      return new long[][] {x[0].clone(), x[1].clone()};
    }

    private static Fp2 reduce2(long[][] x) {
      return new Fp2(BlsFp.reduce(x[0]), BlsFp.reduce(x[1]));
    }

    private static Fp2[] reduce6(long[][][] x) {
      return new Fp2[] {reduce2(x[0]), reduce2(x[1]), reduce2(x[2])};
    }

    /** {@link #mul6} with every Fp2 product reduced, for the tests. */
    static Fp2[] mul6Reduced(Fp2[] a, Fp2[] b) {
      Fp2 v0 = a[0].mulReduced(b[0]);
      Fp2 v1 = a[1].mulReduced(b[1]);
      Fp2 v2 = a[2].mulReduced(b[2]);
      Fp2 c0 = a[1].add(a[2]).mulReduced(b[1].add(b[2])).sub(v1).sub(v2).mulXi().add(v0);
      Fp2 c1 = a[0].add(a[1]).mulReduced(b[0].add(b[1])).sub(v0).sub(v1).add(v2.mulXi());
      Fp2 c2 = a[0].add(a[2]).mulReduced(b[0].add(b[2])).sub(v0).sub(v2).add(v1);
      return new Fp2[] {c0, c1, c2};
    }

    /** v (a0 + a1 v + a2 v^2) = xi a2 + a0 v + a1 v^2. */
    private static Fp2[] mulV6(Fp2[] a) {
      return new Fp2[] {a[2].mulXi(), a[0], a[1]};
    }

    private static Fp2[] add6(Fp2[] a, Fp2[] b) {
      return new Fp2[] {a[0].add(b[0]), a[1].add(b[1]), a[2].add(b[2])};
    }

    private static Fp2[] sub6(Fp2[] a, Fp2[] b) {
      return new Fp2[] {a[0].sub(b[0]), a[1].sub(b[1]), a[2].sub(b[2])};
    }

    /**
     * 1 / (a0 + a1 v + a2 v^2) = (t0 + t1 v + t2 v^2) / (a0 t0 + xi (a2 t1 + a1 t2)) with
     * t0 = a0^2 - xi a1 a2, t1 = xi a2^2 - a0 a1, t2 = a1^2 - a0 a2.
     */
    private static Fp2[] inv6(Fp2[] a) {
      Fp2 t0 = a[0].sqr().sub(a[1].mul(a[2]).mulXi());
      Fp2 t1 = a[2].sqr().mulXi().sub(a[0].mul(a[1]));
      Fp2 t2 = a[1].sqr().sub(a[0].mul(a[2]));
      Fp2 den = a[0].mul(t0).add(a[2].mul(t1).add(a[1].mul(t2)).mulXi());
      if (den.isZero()) {
        throw new IllegalStateException("Fp12: zero has no inverse");
      }
      Fp2 di = den.inv();
      return new Fp2[] {t0.mul(di), t1.mul(di), t2.mul(di)};
    }
  }

  // ---- points ----

  /** A point in Jacobian coordinates (x / z^2, y / z^3) on y^2 = x^3 + b; z = 0 at infinity. */
  record Jac<T extends Field<T>>(T x, T y, T z) {
    static <T extends Field<T>> Jac<T> infinity(T one) {
      return new Jac<>(one, one, one.zero());
    }

    boolean isInfinity() {
      return z.isZero();
    }

    Jac<T> affine() {
      if (isInfinity() || z.sub(z.sqr()).isZero()) {
        return this;
      }
      T zi = z.inv();
      T zi2 = zi.sqr();
      return new Jac<>(x.mul(zi2), y.mul(zi2).mul(zi), z.mul(zi));
    }

    Jac<T> negate() {
      return new Jac<>(x, y.neg(), z);
    }

    /** Whether both are the same point: x1 z2^2 = x2 z1^2 and y1 z2^3 = y2 z1^3, or both infinity. */
    boolean sameAs(Jac<T> o) {
      if (isInfinity() || o.isInfinity()) {
        return isInfinity() && o.isInfinity();
      }
      T z1z1 = z.sqr();
      T z2z2 = o.z.sqr();
      return x.mul(z2z2).sub(o.x.mul(z1z1)).isZero()
          && y.mul(z2z2).mul(o.z).sub(o.y.mul(z1z1).mul(z)).isZero();
    }

    /** dbl-2009-l (a = 0). */
    Jac<T> twice() {
      if (isInfinity() || y.isZero()) {
        return infinity(x);
      }
      T a = x.sqr();
      T b = y.sqr();
      T c = b.sqr();
      T d = x.add(b).sqr().sub(a).sub(c);
      d = d.add(d);
      T e = a.add(a).add(a);
      T f = e.sqr();
      T x3 = f.sub(d.add(d));
      T c8 = c.add(c);
      c8 = c8.add(c8);
      c8 = c8.add(c8);
      T y3 = e.mul(d.sub(x3)).sub(c8);
      T yz = y.mul(z);
      return new Jac<>(x3, y3, yz.add(yz));
    }

    /** add-2007-bl. */
    Jac<T> plus(Jac<T> o) {
      if (isInfinity()) {
        return o;
      }
      if (o.isInfinity()) {
        return this;
      }
      T z1z1 = z.sqr();
      T z2z2 = o.z.sqr();
      T u1 = x.mul(z2z2);
      T u2 = o.x.mul(z1z1);
      T s1 = y.mul(o.z).mul(z2z2);
      T s2 = o.y.mul(z).mul(z1z1);
      T h = u2.sub(u1);
      T rr = s2.sub(s1);
      if (h.isZero()) {
        return rr.isZero() ? twice() : infinity(x);
      }
      T i = h.add(h).sqr();
      T j = h.mul(i);
      rr = rr.add(rr);
      T v = u1.mul(i);
      T x3 = rr.sqr().sub(j).sub(v.add(v));
      T s1j = s1.mul(j);
      T y3 = rr.mul(v.sub(x3)).sub(s1j.add(s1j));
      T z3 = z.add(o.z).sqr().sub(z1z1).sub(z2z2).mul(h);
      return new Jac<>(x3, y3, z3);
    }

    /**
     * k P for k >= 0 by a width-w NAF (w = 5 for long scalars, 4 for short): the odd multiples P,
     * 3P, .., (2^(w-1) - 1) P once, then one addition per about w + 1 bits. Not constant-time.
     */
    Jac<T> times(BigInteger k) {
      int w = k.bitLength() > 128 ? 5 : 4;
      return times(wnaf(k, w), w);
    }

    /** k P for the width-w NAF of k (see {@link #wnaf}). */
    Jac<T> times(int[] naf, int w) {
      List<Jac<T>> odd = new ArrayList<>();
      odd.add(this);
      Jac<T> twice = twice();
      for (int j = 1; j < 1 << (w - 2); j++) {
        odd.add(odd.get(j - 1).plus(twice));
      }
      Jac<T> acc = infinity(x);
      for (int i = naf.length - 1; i >= 0; i--) {
        acc = acc.twice();
        int d = naf[i];
        if (d > 0) {
          acc = acc.plus(odd.get(d >> 1));
        } else if (d < 0) {
          acc = acc.plus(odd.get(-d >> 1).negate());
        }
      }
      return acc;
    }

    /** The width-w NAF of k >= 0, lowest digit first: odd digits in (-2^(w-1), 2^(w-1)) or 0. */
    static int[] wnaf(BigInteger k, int w) {
      int[] out = new int[k.bitLength() + 1];
      int mask = (1 << w) - 1;
      BigInteger d = k;
      int i = 0;
      while (d.signum() > 0) {
        if (d.testBit(0)) {
          int r = d.intValue() & mask;
          if (r >= 1 << (w - 1)) {
            r -= 1 << w;
          }
          out[i] = r;
          d = d.subtract(BigInteger.valueOf(r));
        }
        d = d.shiftRight(1);
        i++;
      }
      return Arrays.copyOf(out, i);
    }
  }

  private static BlsFp[] fps(String... values) {
    BlsFp[] out = new BlsFp[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = fp(values[i]);
    }
    return out;
  }

  private static BlsFp fp(String hex) {
    return BlsFp.of(hex(hex));
  }

  private static BigInteger hex(String s) {
    return new BigInteger(s, 16);
  }
}
