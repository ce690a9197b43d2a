package io.drover.ingress;

import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/** Reads a request body whole, refusing one larger than the configured limit. Request thread. */
final class RequestBodies {
    private RequestBodies() {}

    /** The body exceeds {@code --max-payload-size}. */
    static final class TooLarge extends Exception {
        TooLarge(long limit) {
            super("request body exceeds --max-payload-size (" + limit + " bytes)", null, false, false);
        }
    }

    static byte[] read(ServerRequest req, long limit) throws TooLarge, IOException {
        var declared = req.headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() > limit) {
            throw new TooLarge(limit);
        }
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        int initial = declared.isPresent() ? (int) declared.getAsLong() : 8192;
        byte[] buf = new byte[Math.max(initial, 16)];
        int n = 0;
        try (InputStream in = req.content().inputStream()) {
            while (true) {
                if (n == buf.length) {
                    if (n >= limit) {
                        if (in.read() < 0) {
                            break;
                        }
                        throw new TooLarge(limit);
                    }
                    buf = Arrays.copyOf(buf, (int) Math.min(limit, Math.min(Integer.MAX_VALUE - 8, 2L * n)));
                }
                int r = in.read(buf, n, buf.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
        }
        return n == buf.length ? buf : Arrays.copyOf(buf, n);
    }
}
