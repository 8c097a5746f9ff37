package org.icupgrade.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.icupgrade.core.IcException;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void write_thenParse_sameValue() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("s", "quote \" backslash \\ newline \n tab \t unicode é");
    m.put("n", 42L);
    m.put("d", 1.5);
    m.put("b", true);
    m.put("list", Arrays.asList(1L, null, "x"));
    m.put("empty", Map.of());
    assertEquals(m, Json.parse(Json.write(m)));
  }

  @Test
  void write_lessThan_escapedSoThatNoScriptElementEnds() {
    assertEquals("\"\\u003c/script>\"", Json.write("</script>"));
  }

  @Test
  void parse_escapesAndWhitespace() {
    assertEquals(List.of("é\n", Map.of("a", false)),
        Json.parse(" [ \"\\u00e9\\n\" , {\"a\" : false} ] "));
  }

  @Test
  void parse_notJson_namesThePosition() {
    IcException e = assertThrows(IcException.class, () -> Json.parse("{\"a\":1,}"));
    assertTrue(e.getMessage().contains("position 7"), e.getMessage());
    assertThrows(IcException.class, () -> Json.parse("[1] x"));
    assertThrows(IcException.class, () -> Json.parse("\"open"));
    assertThrows(IcException.class, () -> Json.parseObject("[1]"));
  }
}
