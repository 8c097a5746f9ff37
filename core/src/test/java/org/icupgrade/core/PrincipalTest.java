package org.icupgrade.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PrincipalTest {
  @ParameterizedTest
  @CsvSource({
    "aaaaa-aa, ''",
    "2vxsx-fae, 04",
    "rrkah-fqaaa-aaaaa-aaaaq-cai, 00000000000000010101",
    "ryjl3-tyaaa-aaaaa-aaaba-cai, 00000000000000020101",
    "rwlgt-iiaaa-aaaaa-aaaaa-cai, 00000000000000000101",
  })
  void fromText_knownIds_matchBytesBothWays(String text, String hex) {
    byte[] bytes = HexFormat.of().parseHex(hex);
    Principal p = Principal.fromText(text);
    assertArrayEquals(bytes, p.toBytes());
    assertEquals(text, Principal.fromBytes(bytes).toText());
  }

  @Test
  void fromText_managementCanister_isManagement() {
    assertTrue(Principal.fromText("aaaaa-aa").isManagementCanister());
    assertEquals(Principal.MANAGEMENT_CANISTER, Principal.fromText("aaaaa-aa"));
    assertTrue(Principal.fromText("2vxsx-fae").isAnonymous());
  }

  @Test
  void fromText_mistypedCharacter_checksumError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Principal.fromText("rrkah-fqaaa-aaaab-aaaaq-cai"));
    assertTrue(e.getMessage().contains("checksum"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"rrkah-fqaaa-aaaaa-aaaa1-cai", "rrkahf-qaaa-aaaaa-aaaaq-cai", "a", ""})
  void fromText_malformed_namesTheInput(String text) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Principal.fromText(text));
    assertTrue(e.getMessage().contains("\"" + text + "\""), e.getMessage());
  }

  @Test
  void fromBytes_tooLong_refused() {
    assertThrows(IllegalArgumentException.class, () -> Principal.fromBytes(new byte[30]));
    assertEquals(29, Principal.fromBytes(new byte[29]).length());
  }

  @Test
  void fromText_upperCase_acceptedAsCanonical() {
    assertEquals(Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai"),
        Principal.fromText("RRKAH-FQAAA-AAAAA-AAAAQ-CAI"));
  }

  @Test
  void toBytes_returnsCopy_principalUnchanged() {
    Principal p = Principal.fromText("rrkah-fqaaa-aaaaa-aaaaq-cai");
    p.toBytes()[0] = 9;
    assertEquals(0, p.toBytes()[0]);
  }
}
