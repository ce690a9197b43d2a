package io.drover.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A keep-alive HTTP/1.1 client over one socket for {@link WorkloadGen}: sends a different POST body each
 * time and reads the response while timing every SSE token event (TTFT, inter-token gaps), and pulls
 * the usage figures ({@code prompt_tokens}, {@code completion_tokens}, {@code cached_tokens}) and the
 * {@code x-mock-worker} header out of the answer. Unlike {@link RawHttpClient} it keeps the decoded body.
 *
 * <p>Not thread-safe: one virtual thread uses an instance at a time (connections are pooled per target).
 */
final class StreamClient implements AutoCloseable {
    /** The outcome of one exchange; overwritten by the next. */
    static final class Result {
        int status;
        long headersNanos;
        /** nanoTime of the first token event (first body byte for a non-streamed answer); 0 if none. */
        long firstTokenNanos;
        long[] tokenNanos = new long[64];
        int tokenEvents;
        boolean sawDone;
        int workerPort = -1;
        int promptTokens = -1;
        int completionTokens = -1;
        int cachedTokens = -1;
        long bodyBytes;
    }

    private static final byte[] CONTENT = "\"content\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TEXT = "\"text\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CACHED = "\"cached_tokens\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PROMPT = "\"prompt_tokens\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] COMPLETION = "\"completion_tokens\":".getBytes(StandardCharsets.US_ASCII);

    private final String host;
    private final int port;
    private final int timeoutMillis;
    private final String hostHeader;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private final byte[] rbuf = new byte[16 * 1024];
    private int rpos;
    private int rlim;
    private final byte[] line = new byte[8192];
    private int lineLen;
    private byte[] body = new byte[2 * 1024];
    private int bodyLen;
    private int scanPos;
    private int eventStart;
    private boolean sse;
    private long connectionsOpened;

    StreamClient(String host, int port, int timeoutMillis) {
        this.host = host;
        this.port = port;
        this.timeoutMillis = timeoutMillis;
        this.hostHeader = host + ":" + port;
    }

    long connectionsOpened() { return connectionsOpened; }

    /** The request bytes of a JSON POST to {@code path} on this client's host. */
    byte[] request(String path, byte[] json) {
        byte[] h = ("POST " + path + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nContent-Type: application/json\r\n"
                + "Accept: */*\r\nContent-Length: " + json.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] r = Arrays.copyOf(h, h.length + json.length);
        System.arraycopy(json, 0, r, h.length, json.length);
        return r;
    }

    /** Sends {@code request} and reads the whole response into {@code r}; closes the socket on error. */
    void exchange(byte[] request, Result r) throws IOException {
        boolean fresh = socket == null;
        if (fresh) connect();
        try {
            once(request, r);
        } catch (IOException e) {
            close();
            if (fresh || r.status != 0 || !(e instanceof EOFException)) throw e;
            connect(); // an idle keep-alive connection the server had closed: retry once
            try {
                once(request, r);
            } catch (IOException e2) {
                close();
                throw e2;
            }
        }
    }

    private void once(byte[] request, Result r) throws IOException {
        r.status = 0;
        r.headersNanos = 0;
        r.firstTokenNanos = 0;
        r.tokenEvents = 0;
        r.sawDone = false;
        r.workerPort = -1;
        r.promptTokens = -1;
        r.completionTokens = -1;
        r.cachedTokens = -1;
        bodyLen = 0;
        r.bodyBytes = 0;
        scanPos = 0;
        eventStart = 0;
        sse = false;
        out.write(request);
        out.flush();
        readLine();
        if (lineLen < 12 || line[0] != 'H') throw new IOException("bad status line");
        r.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
        long length = -1;
        boolean chunked = false;
        boolean close = false;
        while (true) {
            readLine();
            if (lineLen == 0) break;
            String h = new String(line, 0, lineLen, StandardCharsets.ISO_8859_1);
            int colon = h.indexOf(':');
            if (colon < 0) continue;
            String name = h.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT);
            String value = h.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.toLowerCase(java.util.Locale.ROOT).contains("chunked");
                case "connection" -> close = value.equalsIgnoreCase("close");
                case "content-type" -> sse = value.startsWith("text/event-stream");
                case "x-mock-worker" -> r.workerPort = Integer.parseInt(value);
                default -> { }
            }
        }
        r.headersNanos = System.nanoTime();
        if (chunked) {
            while (true) {
                readLine();
                int size = 0;
                for (int i = 0; i < lineLen; i++) {
                    int d = Character.digit(line[i], 16);
                    if (d < 0) break;
                    size = size * 16 + d;
                }
                if (size == 0) {
                    do readLine(); while (lineLen != 0);
                    break;
                }
                readBody(size, r);
                readLine();
            }
        } else if (length >= 0) {
            readBody(length, r);
        } else {
            while (readSome(Integer.MAX_VALUE, r) >= 0) { }
            close = true;
        }
        if (!sse && bodyLen > 0) r.firstTokenNanos = r.firstTokenNanos == 0 ? System.nanoTime() : r.firstTokenNanos;
        if (!sse) usage(r, 0, bodyLen);
        if (close) close();
    }

    private void readBody(long n, Result r) throws IOException {
        while (n > 0) {
            int k = readSome(n, r);
            if (k < 0) throw new EOFException("body ended early");
            n -= k;
        }
    }

    /** Appends up to {@code max} bytes to the body, scanning SSE events; -1 at end of stream. */
    private int readSome(long max, Result r) throws IOException {
        if (rpos == rlim) {
            int k = in.read(rbuf, 0, rbuf.length);
            if (k <= 0) return -1;
            rpos = 0;
            rlim = k;
        }
        int k = (int) Math.min(max, rlim - rpos);
        if (bodyLen + k > body.length) body = Arrays.copyOf(body, Math.max(body.length * 2, bodyLen + k));
        System.arraycopy(rbuf, rpos, body, bodyLen, k);
        rpos += k;
        bodyLen += k;
        r.bodyBytes += k;
        if (!sse && r.firstTokenNanos == 0) r.firstTokenNanos = System.nanoTime();
        if (sse) scanEvents(r);
        return k;
    }

    private void scanEvents(Result r) {
        long now = System.nanoTime();
        for (int i = Math.max(scanPos, eventStart + 1); i < bodyLen; i++) {
            if (body[i] == '\n' && body[i - 1] == '\n') {
                event(r, eventStart, i, now);
                eventStart = i + 1;
            }
        }
        // keep only the unfinished event: a long stream does not grow the buffer
        if (eventStart > 0) {
            System.arraycopy(body, eventStart, body, 0, bodyLen - eventStart);
            bodyLen -= eventStart;
            eventStart = 0;
        }
        scanPos = bodyLen;
    }

    private void event(Result r, int from, int to, long now) {
        if (startsWith(from, to, DONE)) {
            r.sawDone = true;
            return;
        }
        int c = indexOf(from, to, CONTENT);
        if (c < 0) c = indexOf(from, to, TEXT);
        boolean token = c >= 0 && body[c] != '"';
        if (token) {
            if (r.firstTokenNanos == 0) r.firstTokenNanos = now;
            if (r.tokenEvents == r.tokenNanos.length) r.tokenNanos = Arrays.copyOf(r.tokenNanos, r.tokenEvents * 2);
            r.tokenNanos[r.tokenEvents++] = now;
        }
        if (indexOf(from, to, COMPLETION) >= 0) usage(r, from, to);
    }

    private void usage(Result r, int from, int to) {
        r.promptTokens = intAfter(from, to, PROMPT, r.promptTokens);
        r.completionTokens = intAfter(from, to, COMPLETION, r.completionTokens);
        r.cachedTokens = intAfter(from, to, CACHED, r.cachedTokens);
    }

    private int intAfter(int from, int to, byte[] key, int dflt) {
        int i = indexOf(from, to, key);
        if (i < 0) return dflt;
        int v = 0;
        boolean any = false;
        while (i < to && body[i] >= '0' && body[i] <= '9') {
            v = v * 10 + (body[i++] - '0');
            any = true;
        }
        return any ? v : dflt;
    }

    /** Index just after the first occurrence of {@code key} in body[from, to), or -1. */
    private int indexOf(int from, int to, byte[] key) {
        outer:
        for (int i = from; i + key.length <= to; i++) {
            for (int j = 0; j < key.length; j++) if (body[i + j] != key[j]) continue outer;
            return i + key.length;
        }
        return -1;
    }

    private boolean startsWith(int from, int to, byte[] key) {
        if (to - from < key.length) return false;
        for (int j = 0; j < key.length; j++) if (body[from + j] != key[j]) return false;
        return true;
    }

    private void connect() throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.setSoTimeout(timeoutMillis);
        s.connect(new InetSocketAddress(host, port), timeoutMillis);
        socket = s;
        in = s.getInputStream();
        out = s.getOutputStream();
        rpos = 0;
        rlim = 0;
        connectionsOpened++;
    }

    private void readLine() throws IOException {
        int n = 0;
        while (true) {
            if (rpos == rlim) {
                int k = in.read(rbuf, 0, rbuf.length);
                if (k <= 0) throw new EOFException("connection closed by the server");
                rpos = 0;
                rlim = k;
            }
            byte b = rbuf[rpos++];
            if (b == '\n') {
                if (n > 0 && line[n - 1] == '\r') n--;
                lineLen = n;
                return;
            }
            if (n == line.length) throw new IOException("header line too long");
            line[n++] = b;
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
        socket = null;
    }
}
