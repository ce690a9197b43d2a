package io.drover.egress;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.ServerResponse;
import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Errors the gateway itself produces, in OpenAI's shape
 * {@code {"error":{"message","type","code","param"}}} with SMG's {@code X-SMG-Error-Code} header.
 * Stateless; called on request threads.
 */
public final class ApiErrors {
    private static final io.helidon.http.HeaderName ERROR_CODE = HeaderNames.create("X-SMG-Error-Code");
    private static final JSON WRITER = JSON.std.with(JSON.Feature.WRITE_NULL_PROPERTIES);

    private ApiErrors() {}

    /** Sends an error response unless the response was already committed. */
    public static void send(ServerResponse res, int status, String type, String code, String message) {
        send(res, status, type, code, message, null);
    }

    /** Sends an error response naming the offending request field {@code param} (may be null). */
    public static void send(ServerResponse res, int status, String type, String code, String message, String param) {
        if (res.isSent()) {
            return;
        }
        res.status(status);
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.header(ERROR_CODE, code);
        res.send(body(type, code, message, param));
    }

    /** 400 invalid_request_error. */
    public static void badRequest(ServerResponse res, String code, String message) {
        send(res, 400, "invalid_request_error", code, message);
    }

    /** The JSON body of an error. */
    public static byte[] body(String type, String code, String message, String param) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message);
        error.put("type", type);
        error.put("code", code);
        error.put("param", param);
        try {
            return WRITER.asBytes(Map.of("error", error));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An SSE event carrying an error, for a stream that breaks after it has started. */
    public static byte[] sseEvent(String type, String code, String message) {
        byte[] json = body(type, code, message, null);
        byte[] out = new byte[json.length + 8];
        System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, out, 0, 6);
        System.arraycopy(json, 0, out, 6, json.length);
        out[out.length - 2] = '\n';
        out[out.length - 1] = '\n';
        return out;
    }
}
