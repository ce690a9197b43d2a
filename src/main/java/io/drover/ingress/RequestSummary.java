package io.drover.ingress;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;

/**
 * The few fields of an inference request body that routing needs, read with one streaming pass
 * that also checks the body is well-formed JSON. The body itself is forwarded to the worker as the
 * client sent it, so unknown and engine-specific fields pass through untouched. Parsed on the
 * request thread.
 *
 * <p>Routing text (only built when the policy asks for it): for chat, the whole conversation —
 * every message in order as {@code role: content} lines, text parts of multi-part contents
 * included — so that a conversation's next turn extends the text of the last one (routing on the
 * first message alone loses most cache hits); for completions the prompt; for {@code /generate}
 * the text; for embeddings and rerank the input or query. Token ids ({@code input_ids}, or a
 * prompt of integers) are kept as tokens.
 *
 * @param model   the {@code model} field, or null when absent
 * @param stream  the {@code stream} field (false when absent)
 * @param text    routing text, or null (not asked for, or none in the body)
 * @param tokens  routing token ids, or null
 */
public record RequestSummary(String model, boolean stream, String text, int[] tokens) {
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(Integer.MAX_VALUE).maxNestingDepth(2000).build())
            .build();

    /** A body that is not a well-formed JSON object, or whose routing fields have the wrong type. */
    public static final class Malformed extends Exception {
        private final String param;

        Malformed(String message, String param) {
            super(message, null, false, false);
            this.param = param;
        }

        /** The offending field, or null. */
        public String param() {
            return param;
        }
    }

    /** Parses {@code body} without routing text. */
    public static RequestSummary parse(byte[] body) throws Malformed {
        return parse(body, false);
    }

    /**
     * Parses {@code body}; throws {@link Malformed} with a message fit for the client.
     *
     * @param wantText  also build the routing text (and token ids) for prefix-aware policies
     */
    public static RequestSummary parse(byte[] body, boolean wantText) throws Malformed {
        if (body.length == 0) {
            throw new Malformed("the request body is empty; a JSON object is expected", null);
        }
        String model = null;
        boolean stream = false;
        StringBuilder text = wantText ? new StringBuilder(Math.min(body.length, 1 << 16)) : null;
        int[] tokens = null;
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new Malformed("the request body must be a JSON object", null);
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "model" -> {
                        if (v == JsonToken.VALUE_STRING) {
                            model = p.getText();
                        } else if (v != JsonToken.VALUE_NULL) {
                            throw new Malformed("'model' must be a string", "model");
                        }
                    }
                    case "stream" -> {
                        if (v == JsonToken.VALUE_TRUE || v == JsonToken.VALUE_FALSE) {
                            stream = v == JsonToken.VALUE_TRUE;
                        } else if (v != JsonToken.VALUE_NULL) {
                            throw new Malformed("'stream' must be a boolean", "stream");
                        }
                    }
                    case "messages" -> {
                        if (text != null && v == JsonToken.START_ARRAY) {
                            messages(p, text);
                        } else {
                            p.skipChildren();
                        }
                    }
                    case "prompt", "text", "input", "query" -> {
                        if (text != null && text.isEmpty() && tokens == null) {
                            tokens = promptOrTokens(p, v, text);
                        } else {
                            p.skipChildren();
                        }
                    }
                    case "input_ids" -> {
                        if (text != null && tokens == null && v == JsonToken.START_ARRAY) {
                            tokens = intArray(p);
                        } else {
                            p.skipChildren();
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw new Malformed("the request body is not valid JSON", null);
            }
            if (p.nextToken() != null) {
                throw new Malformed("unexpected content after the JSON object", null);
            }
        } catch (IOException e) {
            throw new Malformed("the request body is not valid JSON: " + firstLine(e.getMessage()), null);
        }
        String routingText = text == null || text.isEmpty() ? null : text.toString();
        return new RequestSummary(model, stream, routingText, tokens);
    }

    /** Appends each message as "role: content\n"; the parser is on the array's START_ARRAY. */
    private static void messages(JsonParser p, StringBuilder out) throws IOException {
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.START_OBJECT) {
                p.skipChildren();
                continue;
            }
            String role = null;
            StringBuilder content = new StringBuilder();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonToken v = p.nextToken();
                if (f.equals("role") && v == JsonToken.VALUE_STRING) {
                    role = p.getText();
                } else if ((f.equals("content") || f.equals("reasoning_content")) && v == JsonToken.VALUE_STRING) {
                    content.append(p.getText());
                } else if (f.equals("content") && v == JsonToken.START_ARRAY) {
                    contentParts(p, content);
                } else {
                    p.skipChildren();
                }
            }
            out.append(role == null ? "" : role).append(": ").append(content).append('\n');
        }
    }

    /** Text parts of a multi-part content array ({"type":"text","text":...}); others are skipped. */
    private static void contentParts(JsonParser p, StringBuilder out) throws IOException {
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == JsonToken.VALUE_STRING) {
                out.append(p.getText());
            } else if (t == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String f = p.currentName();
                    JsonToken v = p.nextToken();
                    if (f.equals("text") && v == JsonToken.VALUE_STRING) {
                        out.append(p.getText());
                    } else {
                        p.skipChildren();
                    }
                }
            } else {
                p.skipChildren();
            }
        }
    }

    /** A prompt: a string (appended to {@code text}), a list (first element used), or token ids. */
    private static int[] promptOrTokens(JsonParser p, JsonToken v, StringBuilder text) throws IOException {
        if (v == JsonToken.VALUE_STRING) {
            text.append(p.getText());
            return null;
        }
        if (v != JsonToken.START_ARRAY) {
            p.skipChildren();
            return null;
        }
        JsonToken first = p.nextToken();
        if (first == JsonToken.END_ARRAY) {
            return null;
        }
        if (first == JsonToken.VALUE_NUMBER_INT) {
            return intArrayFrom(p, p.getIntValue());
        }
        int[] tokens = null;
        if (first == JsonToken.VALUE_STRING) {
            text.append(p.getText()); // a batch: route on its first prompt
        } else if (first == JsonToken.START_ARRAY) {
            tokens = intArray(p);
        } else {
            p.skipChildren();
        }
        while (p.nextToken() != JsonToken.END_ARRAY) {
            p.skipChildren();
        }
        return tokens;
    }

    /** An array of ints; the parser is on its START_ARRAY. Non-integers make it null. */
    private static int[] intArray(JsonParser p) throws IOException {
        JsonToken t = p.nextToken();
        if (t == JsonToken.END_ARRAY) {
            return null;
        }
        if (t != JsonToken.VALUE_NUMBER_INT) {
            p.skipChildren();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                p.skipChildren();
            }
            return null;
        }
        return intArrayFrom(p, p.getIntValue());
    }

    private static int[] intArrayFrom(JsonParser p, int first) throws IOException {
        int[] out = new int[64];
        out[0] = first;
        int n = 1;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_NUMBER_INT) {
                p.skipChildren();
                continue;
            }
            if (n == out.length) {
                out = java.util.Arrays.copyOf(out, n * 2);
            }
            out[n++] = p.getIntValue();
        }
        return java.util.Arrays.copyOf(out, n);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "parse error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
