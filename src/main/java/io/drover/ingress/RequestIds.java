package io.drover.ingress;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Request ids as SMG issues them: the first of the configured headers the client sent, else an
 * OpenAI-style id with the endpoint's prefix and 24 alphanumeric characters. Stateless.
 */
public final class RequestIds {
    private static final char[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private final List<io.helidon.http.HeaderName> headers;

    public RequestIds(List<String> headerNames) {
        this.headers = headerNames.stream().map(HeaderNames::create).toList();
    }

    /** The client's id, or a new one starting with {@code prefix} (e.g. {@code chatcmpl-}). */
    public String resolve(ServerRequest req, String prefix) {
        var h = req.headers();
        for (var name : headers) {
            if (h.contains(name)) {
                String v = h.get(name).get();
                if (!v.isBlank()) {
                    return v;
                }
            }
        }
        return generate(prefix);
    }

    /** A new id: {@code prefix} and 24 random alphanumerics. */
    public static String generate(String prefix) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] c = new char[prefix.length() + 24];
        prefix.getChars(0, prefix.length(), c, 0);
        for (int i = prefix.length(); i < c.length; i++) {
            c[i] = ALPHABET[r.nextInt(ALPHABET.length)];
        }
        return new String(c);
    }
}
