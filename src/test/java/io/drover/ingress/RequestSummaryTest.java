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

    @Test
    void routingTextIsTheWholeConversationInOrder() throws Exception {
        String body = "{\"model\":\"m\",\"messages\":[{\"content\":\"be brief\",\"role\":\"system\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"look at \"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"http://x\"}},{\"type\":\"text\",\"text\":\"this\"}]},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"1\"}]},"
                + "{\"role\":\"user\",\"content\":\"thanks\"}]}";
        RequestSummary s = RequestSummary.parse(body.getBytes(StandardCharsets.UTF_8), true);
        assertEquals("system: be brief\nuser: look at this\nassistant: \nuser: thanks\n", s.text());
        assertNull(RequestSummary.parse(body.getBytes(StandardCharsets.UTF_8), false).text(), "only when asked");
    }

    @Test
    void aLaterTurnExtendsTheEarlierTurnsText() throws Exception {
        String t1 = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        String t2 = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"hello\"},"
                + "{\"role\":\"user\",\"content\":\"more\"}]}";
        String a = RequestSummary.parse(t1.getBytes(StandardCharsets.UTF_8), true).text();
        String b = RequestSummary.parse(t2.getBytes(StandardCharsets.UTF_8), true).text();
        assertTrue(b.startsWith(a), a + " / " + b);
    }

    @Test
    void promptsTextsAndTokenIds() throws Exception {
        assertEquals("once upon", RequestSummary.parse("{\"prompt\":\"once upon\"}".getBytes(), true).text());
        assertEquals("first", RequestSummary.parse("{\"prompt\":[\"first\",\"second\"]}".getBytes(), true).text());
        assertEquals("gen", RequestSummary.parse("{\"text\":\"gen\",\"sampling_params\":{}}".getBytes(), true).text());
        RequestSummary ids = RequestSummary.parse("{\"input_ids\":[1,2,3,4]}".getBytes(), true);
        assertNull(ids.text());
        assertEquals(4, ids.tokens().length);
        assertEquals(3, RequestSummary.parse("{\"prompt\":[5,6,7]}".getBytes(), true).tokens().length);
    }
}
