package io.drover.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * A minimal HTTP/1.1 keep-alive client over one {@link Socket}: sends one pre-encoded POST and reads
 * the whole response (Content-Length, chunked, or read-to-close bodies), timing the first body byte.
 * It exists so that the load generator holds exactly one TCP connection per virtual thread and
 * spends as little CPU per request as possible (no header maps, no string building per request).
 *
 * <p>Threading: not thread-safe; each {@link LoadGen} worker (virtual) thread owns one instance and
 * calls {@link #exchange} in a loop. Reconnects transparently when the server closed the connection.
 */
final class RawHttpClient implements AutoCloseable {
    /** The outcome of one exchange; fields are overwritten by the next call. */
    static final class Result {
        int status;
        /** nanoTime when the response headers had been read. */
        long headersNanos;
        /** nanoTime when the first body byte (for SSE: the first event's bytes) was read; 0 if none. */
        long firstByteNanos;
        long bodyBytes;
        /** Count of SSE event terminators ("\n\n") seen in the body. */
        int events;
        /** True when the body ended with {@code data: [DONE]\n\n}. */
        boolean sawDone;
    }

    private static final int MAX_LINE = 8192;
    private static final byte[] DONE_TAIL = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final String host;
    private final int port;
    private final byte[] request;
    private final int timeoutMillis;
    private final byte[] line = new byte[MAX_LINE];
    private final byte[] buf = new byte[64 * 1024];
    /** Receive buffer: bytes [rpos, rlim) are read from the socket but not yet consumed. */
    private final byte[] rbuf = new byte[64 * 1024];
    private int rpos;
    private int rlim;
    private final byte[] tail = new byte[DONE_TAIL.length];
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private long connectionsOpened;
    private int lineLen;
    private int tailLen;
    private byte prevByte;

    RawHttpClient(URI url, byte[] body, int timeoutMillis) {
        if (!"http".equals(url.getScheme())) {
            throw new IllegalArgumentException("only http:// URLs are supported: " + url);
        }
        this.host = url.getHost();
        this.port = url.getPort() > 0 ? url.getPort() : 80;
        this.timeoutMillis = timeoutMillis;
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        if (url.getRawQuery() != null) {
            path += "?" + url.getRawQuery();
        }
        String head = "POST " + path + " HTTP/1.1\r\n"
                + "Host: " + host + ":" + port + "\r\n"
                + "Content-Type: application/json\r\n"
                + "Accept: */*\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + "\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        this.request = new byte[h.length + body.length];
        System.arraycopy(h, 0, request, 0, h.length);
        System.arraycopy(body, 0, request, h.length, body.length);
    }

    /** TCP connections this client has opened so far (1 when keep-alive held throughout). */
    long connectionsOpened() {
        return connectionsOpened;
    }

    /**
     * Sends the request and reads the whole response into {@code r}. On an I/O error the connection
     * is closed (the next call reconnects) and the exception propagates.
     */
    void exchange(Result r) throws IOException {
        r.status = 0;
        r.headersNanos = 0;
        r.firstByteNanos = 0;
        r.bodyBytes = 0;
        r.events = 0;
        r.sawDone = false;
        tailLen = 0;
        prevByte = 0;
        boolean fresh = false;
        if (socket == null) {
            connect();
            fresh = true;
        }
        try {
            out.write(request);
            out.flush();
            readResponse(r);
        } catch (IOException e) {
            close();
            if (!fresh && r.status == 0 && e instanceof EOFException) {
                // the server closed an idle keep-alive connection before reading our request: retry once
                connect();
                try {
                    out.write(request);
                    out.flush();
                    readResponse(r);
                    return;
                } catch (IOException e2) {
                    close();
                    throw e2;
                }
            }
            throw e;
        }
    }

    private void connect() throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.setSoTimeout(timeoutMillis);
        s.connect(new InetSocketAddress(host, port), timeoutMillis);
        socket = s;
        in = s.getInputStream();
        rpos = 0;
        rlim = 0;
        out = s.getOutputStream();
        connectionsOpened++;
    }

    private void readResponse(Result r) throws IOException {
        readLine();
        if (lineLen < 12 || line[0] != 'H' || line[4] != '/') {
            throw new IOException("bad status line: " + new String(line, 0, Math.min(lineLen, 80), StandardCharsets.US_ASCII));
        }
        r.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
        long contentLength = -1;
        boolean chunked = false;
        boolean close = false;
        for (int headers = 0; ; headers++) {
            if (headers > 200) {
                throw new IOException("too many response headers");
            }
            readLine();
            if (lineLen == 0) {
                r.headersNanos = System.nanoTime();
                break;
            }
            if (startsWithIgnoreCase("content-length:")) {
                contentLength = Long.parseLong(value("content-length:".length()));
            } else if (startsWithIgnoreCase("transfer-encoding:")) {
                chunked = value("transfer-encoding:".length()).toLowerCase().contains("chunked");
            } else if (startsWithIgnoreCase("connection:")) {
                close = value("connection:".length()).equalsIgnoreCase("close");
            }
        }
        if (r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200)) {
            contentLength = 0;
            chunked = false;
        }
        if (chunked) {
            readChunked(r);
        } else if (contentLength >= 0) {
            readFixed(r, contentLength);
        } else {
            readToClose(r);
            close = true;
        }
        r.sawDone = tailLen == DONE_TAIL.length && java.util.Arrays.equals(tail, DONE_TAIL);
        if (close) {
            close();
        }
    }

    private void readChunked(Result r) throws IOException {
        for (int chunks = 0; ; chunks++) {
            if (chunks > 10_000_000) {
                throw new IOException("too many chunks");
            }
            readLine();
            int size = 0;
            for (int i = 0; i < lineLen; i++) {
                int d = Character.digit(line[i], 16);
                if (d < 0) {
                    break; // chunk extension or whitespace
                }
                size = size * 16 + d;
                if (size < 0) {
                    throw new IOException("chunk too large");
                }
            }
            if (lineLen == 0) {
                throw new IOException("empty chunk-size line");
            }
            if (size == 0) {
                for (int t = 0; t < 100; t++) { // trailers, then the blank line
                    readLine();
                    if (lineLen == 0) {
                        return;
                    }
                }
                throw new IOException("too many trailers");
            }
            readFixed(r, size);
            readLine(); // CRLF after the chunk data
            if (lineLen != 0) {
                throw new IOException("missing CRLF after chunk");
            }
        }
    }

    private void readFixed(Result r, long n) throws IOException {
        long left = n;
        while (left > 0) {
            int k = read(buf, (int) Math.min(buf.length, left));
            if (k < 0) {
                throw new EOFException("body ended " + left + " bytes early");
            }
            body(r, k);
            left -= k;
        }
    }

    private void readToClose(Result r) throws IOException {
        for (long total = 0; total < (1L << 34); ) {
            int k = read(buf, buf.length);
            if (k < 0) {
                return;
            }
            body(r, k);
            total += k;
        }
        throw new IOException("body larger than 16 GiB");
    }

    private void body(Result r, int k) {
        if (r.firstByteNanos == 0 && k > 0) {
            r.firstByteNanos = System.nanoTime();
        }
        r.bodyBytes += k;
        byte prev = prevByte;
        for (int i = 0; i < k; i++) {
            byte b = buf[i];
            if (b == '\n' && prev == '\n') {
                r.events++;
            }
            prev = b;
        }
        prevByte = prev;
        // keep the last DONE_TAIL.length bytes
        if (k >= tail.length) {
            System.arraycopy(buf, k - tail.length, tail, 0, tail.length);
            tailLen = tail.length;
        } else {
            int keep = Math.min(tailLen, tail.length - k);
            System.arraycopy(tail, tailLen - keep, tail, 0, keep);
            System.arraycopy(buf, 0, tail, keep, k);
            tailLen = keep + k;
        }
    }

    /** Refills the receive buffer with one socket read; false at end of stream. */
    private boolean fill() throws IOException {
        int k = in.read(rbuf, 0, rbuf.length);
        if (k <= 0) {
            return false;
        }
        rpos = 0;
        rlim = k;
        return true;
    }

    /** Up to {@code max} body bytes into {@code dst} (buffered ones first); -1 at end of stream. */
    private int read(byte[] dst, int max) throws IOException {
        if (rpos == rlim) {
            if (max >= rbuf.length) {
                return in.read(dst, 0, max);
            }
            if (!fill()) {
                return -1;
            }
        }
        int k = Math.min(max, rlim - rpos);
        System.arraycopy(rbuf, rpos, dst, 0, k);
        rpos += k;
        return k;
    }

    /** Reads one CRLF- (or LF-) terminated line into {@link #line} without the terminator. */
    private void readLine() throws IOException {
        int n = 0;
        while (true) {
            if (rpos == rlim && !fill()) {
                throw new EOFException("connection closed by the server");
            }
            byte b = rbuf[rpos++];
            if (b == '\n') {
                if (n > 0 && line[n - 1] == '\r') {
                    n--;
                }
                lineLen = n;
                return;
            }
            if (n == MAX_LINE) {
                throw new IOException("response line longer than " + MAX_LINE + " bytes");
            }
            line[n++] = b;
        }
    }

    private boolean startsWithIgnoreCase(String prefix) {
        if (lineLen < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (Character.toLowerCase(line[i]) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private String value(int from) {
        return new String(line, from, lineLen - from, StandardCharsets.US_ASCII).trim();
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing is all we wanted
            }
        }
        socket = null;
        in = null;
        out = null;
    }
}
