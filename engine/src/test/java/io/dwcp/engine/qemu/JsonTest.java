package io.dwcp.engine.qemu;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest
{
    @Test
    void parsesQmpRepliesAndEvents()
    {
        final Object greeting = Json.parse("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, " +
            "\"major\": 7}, \"package\": \"Debian 1:7.2+dfsg\"}, \"capabilities\": [\"oob\"]}}");
        assertEquals(Map.of("QMP", Map.of("version", Map.of("qemu", Map.of("micro", 22L, "minor", 2L, "major", 7L),
            "package", "Debian 1:7.2+dfsg"), "capabilities", List.of("oob"))), greeting);

        final Object event = Json.parse("{\"timestamp\": {\"seconds\": 1796114556, \"microseconds\": 716000}, " +
            "\"event\": \"STOP\"}\r\n");
        assertEquals("STOP", ((Map<?, ?>)event).get("event"));

        assertEquals(Map.of("return", Map.of("status", "running", "running", true, "ratio", 0.5, "none", List.of())),
            Json.parse(" {\"return\":{\"status\":\"running\",\"running\":true,\"ratio\":5e-1,\"none\":[]}} "));
        final Map<String, Object> withNull = new LinkedHashMap<>();
        withNull.put("desc", null);
        assertEquals(withNull, Json.parse("{\"desc\":null}"));
        assertEquals("a\"b\\c\n\u00e9/", Json.parse("\"a\\\"b\\\\c\\n\\u00e9\\/\""));
        assertEquals(-12L, Json.parse("-12"));
    }

    @Test
    void writesWhatItParses()
    {
        final Map<String, Object> command = new LinkedHashMap<>();
        command.put("execute", "migrate-set-capabilities");
        command.put("arguments", Map.of("capabilities", List.of(Map.of("capability", "x-ignore-shared",
            "state", true))));
        command.put("id", "dwcp-1");
        final String text = Json.write(command);
        assertTrue(text.startsWith("{\"execute\":\"migrate-set-capabilities\",\"arguments\":"), text);
        assertEquals(command, Json.parse(text));
        assertEquals("\"tab\\there \\u0001\"", Json.write("tab\there \u0001"));
    }

    @Test
    void refusesMalformedText()
    {
        for (final String bad : List.of("", "{", "{\"a\" 1}", "[1,]", "\"open", "tru", "{\"a\":1} x", "01a",
            "\"\\q\"", "\"\\u12\""))
        {
            assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[".repeat(100) + "]".repeat(100)),
            "nesting is bounded");
    }
}
