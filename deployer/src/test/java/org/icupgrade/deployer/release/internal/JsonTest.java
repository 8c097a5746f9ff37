package org.icupgrade.deployer.release.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {
  @Test
  void parse_valuesOfEveryKind_mappedToJava() {
    Map<String, Object> m = Json.object(
        Json.parse(" {\"a\": [1, -2.5e1, true, false, null, \"x\\u0041\\n\\\"\"], \"b\": {}} "),
        "top");
    List<Object> a = Json.array(m.get("a"), "a");
    assertEquals(Arrays.asList(1L, -25.0, true, false, null, "xA\n\""), a);
    assertEquals(Map.of(), m.get("b"));
  }

  @Test
  void parse_keepsKeyOrderAndNull() {
    Map<String, Object> m = Json.object(Json.parse("{\"z\": null, \"a\": 0}"), "top");
    assertEquals(List.of("z", "a"), List.copyOf(m.keySet()));
    assertNull(m.get("z"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "{\"a\": 1,}", "[1] 2", "[01]", "[1.]", "[+1]", "{a: 1}",
      "\"\\x\"", "\"\\u12G4\"", "\"unterminated", "[1, 2", "tru", "\"tab\there\"",
      "[99999999999999999999]"})
  void parse_invalidJson_refused(String text) {
    assertThrows(IllegalArgumentException.class, () -> Json.parse(text));
  }

  @Test
  void parse_nestedTooDeep_refusedWithoutStackOverflow() {
    String deep = "[".repeat(10_000) + "]".repeat(10_000);
    assertThrows(IllegalArgumentException.class, () -> Json.parse(deep));
  }

  @Test
  void accessors_wrongKind_nameWhatWasExpected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Json.array(Json.parse("{}"), "the release list"));
    assertEquals("the release list is not a JSON array", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Json.string(1L, "tag_name"));
  }
}
