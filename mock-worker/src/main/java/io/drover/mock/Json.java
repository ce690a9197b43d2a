package io.drover.mock;

import com.fasterxml.jackson.jr.ob.JSON;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/** JSON helpers of the mock: request parsing with Jackson jr, response writing by string building. */
final class Json {
    private Json() {
    }

    /** Thrown when a request body is not a JSON object. */
    static final class BadRequest extends Exception {
        BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    /** Parses a request body that must be a JSON object. */
    static Map<String, Object> parseObject(byte[] body) throws BadRequest {
        if (body.length == 0) throw new BadRequest("request body is empty; expected a JSON object");
        try {
            Object o = JSON.std.anyFrom(body);
            if (o instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked")
                Map<String, Object> map = (Map<String, Object>) m;
                return map;
            }
            throw new BadRequest("request body must be a JSON object");
        } catch (IOException | RuntimeException e) {
            throw new BadRequest("malformed JSON: " + firstLine(e.getMessage()));
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "parse error";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Appends {@code s} as a JSON string literal (or null). */
    static StringBuilder str(StringBuilder sb, String s) {
        if (s == null) return sb.append("null");
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"');
    }

    /** A JSON string literal. */
    static String str(String s) {
        return str(new StringBuilder(s.length() + 2), s).toString();
    }

    /** OpenAI-style error body: {"error":{"message","type","param":null,"code"}}. */
    static String error(int status, String message) {
        StringBuilder sb = new StringBuilder(96).append("{\"error\":{\"message\":");
        str(sb, message).append(",\"type\":");
        str(sb, errorType(status)).append(",\"param\":null,\"code\":").append(status).append("}}");
        return sb.toString();
    }

    static String errorType(int status) {
        return switch (status) {
            case 400 -> "BadRequestError";
            case 401 -> "AuthenticationError";
            case 403 -> "PermissionDeniedError";
            case 404 -> "NotFoundError";
            case 405 -> "MethodNotAllowedError";
            case 408 -> "TimeoutError";
            case 422 -> "UnprocessableEntityError";
            case 429 -> "RateLimitError";
            case 503 -> "ServiceUnavailableError";
            default -> status >= 500 ? "InternalServerError" : "Error";
        };
    }

    /** Writes any simple value (Map, List, String, Number, Boolean, null) as JSON. */
    static StringBuilder value(StringBuilder sb, Object v) {
        if (v == null) return sb.append("null");
        if (v instanceof String s) return str(sb, s);
        if (v instanceof Double d && Double.isFinite(d)) return sb.append(java.math.BigDecimal.valueOf(d).toPlainString());
        if (v instanceof Number || v instanceof Boolean) return sb.append(v);
        if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) sb.append(',');
                first = false;
                str(sb, String.valueOf(e.getKey())).append(':');
                value(sb, e.getValue());
            }
            return sb.append('}');
        }
        if (v instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) sb.append(',');
                value(sb, l.get(i));
            }
            return sb.append(']');
        }
        if (v instanceof float[] f) {
            sb.append('[');
            for (int i = 0; i < f.length; i++) {
                if (i > 0) sb.append(',');
                sb.append(f[i]);
            }
            return sb.append(']');
        }
        return str(sb, v.toString());
    }

    static String write(Object v) {
        return value(new StringBuilder(128), v).toString();
    }
}
