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
 * @param model   the {@code model} field, or null when absent
 * @param stream  the {@code stream} field (false when absent)
 */
public record RequestSummary(String model, boolean stream) {
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

    /** Parses {@code body}; throws {@link Malformed} with a message fit for the client. */
    public static RequestSummary parse(byte[] body) throws Malformed {
        if (body.length == 0) {
            throw new Malformed("the request body is empty; a JSON object is expected", null);
        }
        String model = null;
        boolean stream = false;
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
        return new RequestSummary(model, stream);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "parse error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
