package io.drover.workers.http;

import io.drover.egress.UpstreamResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

/**
 * A worker's HTTP/1.1 response read off an {@link UpstreamConnection}: the parsed head, and the body
 * as a stream framed by Content-Length, chunked transfer coding, or connection close.
 *
 * <p>Threading: read by one request thread; {@link #close} may come from any thread.
 */
final class Http1Response implements UpstreamResponse {
    private final UpstreamConnection conn;
    private final int status;
    private final List<String[]> headers;
    private final String contentType;
    private final long contentLength;
    private final boolean keepAlive;
    private final Body body;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Http1Response(UpstreamConnection conn, int status, List<String[]> headers, String contentType,
                          long contentLength, boolean keepAlive, boolean chunked, boolean noBody) {
        this.conn = conn;
        this.status = status;
        this.headers = headers;
        this.contentType = contentType;
        this.contentLength = contentLength;
        this.keepAlive = keepAlive;
        this.body = new Body(noBody ? 0 : contentLength, chunked);
    }

    static Http1Response read(UpstreamConnection c, String method) throws IOException {
        int[] budget = {UpstreamConnection.headBudget()};
        while (true) {
            String statusLine = c.readLine(budget);
            if (!statusLine.startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP/1.x response: " + abbreviate(statusLine));
            }
            int sp = statusLine.indexOf(' ');
            int status;
            try {
                status = Integer.parseInt(statusLine.substring(sp + 1, Math.min(statusLine.length(), sp + 4)));
            } catch (RuntimeException e) {
                throw new IOException("bad status line: " + abbreviate(statusLine));
            }
            boolean http10 = statusLine.startsWith("HTTP/1.0");
            List<String[]> headers = new ArrayList<>(12);
            String contentType = null;
            long length = -1;
            boolean chunked = false;
            boolean close = http10;
            String line;
            while (!(line = c.readLine(budget)).isEmpty()) {
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    throw new IOException("bad header line: " + abbreviate(line));
                }
                String name = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                headers.add(new String[] {name, value});
                switch (name.toLowerCase(Locale.ROOT)) {
                    case "content-type" -> contentType = value;
                    case "content-length" -> {
                        try {
                            length = Long.parseLong(value);
                        } catch (NumberFormatException e) {
                            throw new IOException("bad Content-Length: " + abbreviate(value));
                        }
                    }
                    case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "connection" -> {
                        String v = value.toLowerCase(Locale.ROOT);
                        if (v.contains("close")) {
                            close = true;
                        } else if (v.contains("keep-alive")) {
                            close = false;
                        }
                    }
                    default -> { }
                }
            }
            if (status >= 100 && status < 200) {
                continue; // 100 Continue and other interim answers: the real one follows
            }
            boolean noBody = method.equals("HEAD") || status == 204 || status == 304;
            if (chunked) {
                length = -1;
            }
            boolean untilClose = !noBody && !chunked && length < 0;
            return new Http1Response(c, status, headers, contentType, length, !close && !untilClose, chunked,
                    noBody);
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    @Override
    public int status() {
        return status;
    }

    @Override
    public String contentType() {
        return contentType;
    }

    @Override
    public long contentLength() {
        return contentLength;
    }

    @Override
    public void forEachHeader(BiConsumer<String, List<String>> visitor) {
        Map<String, List<String>> grouped = new LinkedHashMap<>();
        for (String[] h : headers) {
            grouped.computeIfAbsent(h[0].toLowerCase(Locale.ROOT), k -> new ArrayList<>(1)).add(h[1]);
        }
        grouped.forEach(visitor);
    }

    @Override
    public InputStream body() {
        return body;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && !body.complete) {
            conn.abort(); // unfinished: the worker must see its client go
        }
    }

    /** The body stream: framed by a length, chunks, or the connection's end. */
    private final class Body extends InputStream {
        private final boolean chunked;
        private long remaining; // in the current chunk, or of the fixed length; -1 = until close
        private volatile boolean complete;
        private boolean chunkHeaderDue;

        Body(long length, boolean chunked) {
            this.chunked = chunked;
            if (chunked) {
                chunkHeaderDue = true;
                remaining = 0;
            } else {
                remaining = length;
                if (length == 0) {
                    complete();
                }
            }
        }

        private void complete() {
            if (!complete) {
                complete = true;
                if (closed.compareAndSet(false, true)) {
                    conn.finished(keepAlive);
                }
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (complete) {
                return -1;
            }
            if (closed.get()) {
                throw new IOException("response closed");
            }
            if (len == 0) {
                return 0;
            }
            if (chunked) {
                if (chunkHeaderDue) {
                    long size = nextChunkSize();
                    if (size == 0) {
                        readTrailers();
                        complete();
                        return -1;
                    }
                    remaining = size;
                    chunkHeaderDue = false;
                }
                int n = conn.readBody(b, off, (int) Math.min(len, remaining));
                if (n < 0) {
                    throw new IOException("the worker closed the connection inside a chunk");
                }
                remaining -= n;
                if (remaining == 0) {
                    expectCrlf();
                    chunkHeaderDue = true;
                }
                return n;
            }
            if (remaining < 0) { // until close
                int n = conn.readBody(b, off, len);
                if (n < 0) {
                    complete();
                }
                return n;
            }
            int n = conn.readBody(b, off, (int) Math.min(len, remaining));
            if (n < 0) {
                throw new IOException("the worker closed the connection " + remaining + " bytes short");
            }
            remaining -= n;
            if (remaining == 0) {
                complete();
            }
            return n;
        }

        private long nextChunkSize() throws IOException {
            int[] budget = {4096};
            String line = conn.readLine(budget);
            int semi = line.indexOf(';');
            String hex = (semi >= 0 ? line.substring(0, semi) : line).trim();
            try {
                long size = Long.parseLong(hex, 16);
                if (size < 0) {
                    throw new NumberFormatException();
                }
                return size;
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size: " + abbreviate(line));
            }
        }

        private void expectCrlf() throws IOException {
            int[] budget = {2};
            if (!conn.readLine(budget).isEmpty()) {
                throw new IOException("missing CRLF after a chunk");
            }
        }

        private void readTrailers() throws IOException {
            int[] budget = {UpstreamConnection.headBudget()};
            while (!conn.readLine(budget).isEmpty()) {
                // trailers are not forwarded
            }
        }

        @Override
        public void close() {
            Http1Response.this.close();
        }
    }
}
