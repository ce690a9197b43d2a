package io.drover.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestSummaryTest {
    private static RequestSummary parse(String s) throws RequestSummary.Malformed {
        return RequestSummary.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsModelAndStreamAndSkipsEverythingElse() throws Exception {
        RequestSummary s = parse("{\"messages\":[{\"role\":\"user\",\"content\":\"hi {\\\"model\\\":\\\"x\\\"}\"}],"
                + "\"nested\":{\"model\":\"not-this\"},\"model\":\"llama\",\"stream\":true,\"extra\":[1,2,{}]}");
        assertEquals("llama", s.model());
        assertTrue(s.stream());
    }

    @Test
    void absentFieldsHaveDefaults() throws Exception {
        RequestSummary s = parse("{\"prompt\":\"x\"}");
        assertNull(s.model());
        assertFalse(s.stream());
        assertNull(parse("{\"model\":null,\"stream\":null}").model());
    }

    @Test
    void malformedBodiesAreRefused() {
        for (String bad : new String[] {"", "{", "[1,2]", "\"str\"", "{\"model\":\"a\"", "{\"model\":\"a\"} x",
            "{\"model\":1}", "{\"stream\":\"yes\"}", "{'model':'a'}", "{\"a\":}"}) {
            assertThrows(RequestSummary.Malformed.class, () -> parse(bad), bad);
        }
    }

    @Test
    void typeErrorsNameTheField() {
        var e = assertThrows(RequestSummary.Malformed.class, () -> parse("{\"model\":[\"a\"]}"));
        assertEquals("model", e.param());
    }
}
