package io.drover.workers.http;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One keep-alive HTTP/1.1 connection to a worker: writes a request, parses the response head, and
 * hands out the body as a stream (fixed length, chunked, or until close). When the body has been
 * read to its end the connection goes back to its {@link UpstreamPool}; closing the response before
 * that closes the socket, so the worker sees its client leave.
 *
 * <p>Threading: used by one request thread at a time; {@link #abort()} may be called from any
 * thread and unblocks a read in progress.
 */
final class UpstreamConnection {
    private static final int MAX_HEAD_BYTES = 64 * 1024;

    private final UpstreamPool pool;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String hostKey;
    private final byte[] buf = new byte[16 * 1024];
    private int pos;
    private int lim;
    private long idleSince;
    private boolean reused;
    private volatile boolean broken;

    UpstreamConnection(UpstreamPool pool, Socket socket, String hostKey) throws IOException {
        this.pool = pool;
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.hostKey = hostKey;
    }

    /** Thrown when a reused connection turned out to be closed before the worker answered a byte. */
    static final class StaleConnectionException extends IOException {
        StaleConnectionException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    String hostKey() {
        return hostKey;
    }

    long idleSince() {
        return idleSince;
    }

    void idleSince(long t) {
        idleSince = t;
    }

    void reused(boolean r) {
        reused = r;
    }

    boolean isBroken() {
        return broken || socket.isClosed();
    }

    /**
     * Sends one request and reads the response head.
     *
     * @param headers  extra request headers as name/value pairs (CR and LF are refused)
     * @param body     the request body, or null for none
     */
    Http1Response exchange(String method, String pathAndQuery, List<String[]> headers, byte[] body)
            throws IOException {
        return exchange(method, pathAndQuery, headers, body, 0);
    }

    /**
     * Sends one request and reads the response head, waiting at most {@code headTimeoutMillis}
     * for each read of it (0 = the pool's read timeout); the body is then read under the pool's
     * read timeout.
     */
    Http1Response exchange(String method, String pathAndQuery, List<String[]> headers, byte[] body,
                           int headTimeoutMillis) throws IOException {
        if (headTimeoutMillis <= 0) {
            return exchangeHead(method, pathAndQuery, headers, body);
        }
        int normal = socket.getSoTimeout();
        socket.setSoTimeout(headTimeoutMillis);
        try {
            return exchangeHead(method, pathAndQuery, headers, body);
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(normal);
            }
        }
    }

    private Http1Response exchangeHead(String method, String pathAndQuery, List<String[]> headers, byte[] body)
            throws IOException {
        byte[] head = requestHead(method, pathAndQuery, headers, body);
        boolean wasReused = reused;
        reused = false;
        try {
            if (body != null && head.length + body.length <= 16 * 1024) {
                byte[] one = new byte[head.length + body.length];
                System.arraycopy(head, 0, one, 0, head.length);
                System.arraycopy(body, 0, one, head.length, body.length);
                out.write(one);
            } else {
                out.write(head);
                if (body != null) {
                    out.write(body);
                }
            }
            out.flush();
        } catch (SocketException e) {
            abort();
            throw wasReused ? new StaleConnectionException("pooled connection was closed", e) : e;
        }
        try {
            return Http1Response.read(this, method);
        } catch (EOFException | SocketException e) {
            abort();
            if (wasReused && pos == 0 && lim == 0) {
                throw new StaleConnectionException("pooled connection was closed", e);
            }
            throw e;
        }
    }

    private byte[] requestHead(String method, String pathAndQuery, List<String[]> headers, byte[] body) {
        StringBuilder sb = new StringBuilder(256);
        sb.append(method).append(' ').append(pathAndQuery).append(" HTTP/1.1\r\nHost: ").append(hostKey)
                .append("\r\n");
        if (body != null) {
            sb.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
        }
        for (String[] h : headers) {
            if (h[1].indexOf('\r') >= 0 || h[1].indexOf('\n') >= 0 || h[0].indexOf(':') >= 0) {
                continue; // never let a header value start another header
            }
            sb.append(h[0]).append(": ").append(h[1]).append("\r\n");
        }
        sb.append("\r\n");
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    // ---- reading, used by Http1Response ----

    /** Reads one CRLF-terminated line of the head (without the CRLF). */
    String readLine(int[] budget) throws IOException {
        StringBuilder sb = null;
        while (true) {
            for (int i = pos; i < lim; i++) {
                if (buf[i] == '\n') {
                    int end = i > pos && buf[i - 1] == '\r' ? i - 1 : i;
                    String part = new String(buf, pos, end - pos, StandardCharsets.ISO_8859_1);
                    budget[0] -= i + 1 - pos;
                    pos = i + 1;
                    if (budget[0] < 0) {
                        throw new IOException("response head larger than " + MAX_HEAD_BYTES + " bytes");
                    }
                    if (sb == null) {
                        return part;
                    }
                    return sb.append(part).toString();
                }
            }
            if (sb == null) {
                sb = new StringBuilder();
            }
            int n = lim - pos;
            sb.append(new String(buf, pos, n, StandardCharsets.ISO_8859_1));
            budget[0] -= n;
            if (budget[0] < 0) {
                throw new IOException("response head larger than " + MAX_HEAD_BYTES + " bytes");
            }
            pos = lim;
            if (fill() < 0) {
                throw new EOFException("connection closed by the worker");
            }
        }
    }

    static int headBudget() {
        return MAX_HEAD_BYTES;
    }

    /** Copies up to {@code len} body bytes, from the buffer first, else one socket read. -1 at EOF. */
    int readBody(byte[] b, int off, int len) throws IOException {
        if (pos < lim) {
            int n = Math.min(len, lim - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }
        if (len >= buf.length) {
            return in.read(b, off, len); // large reads bypass the buffer
        }
        if (fill() < 0) {
            return -1;
        }
        int n = Math.min(len, lim - pos);
        System.arraycopy(buf, pos, b, off, n);
        pos += n;
        return n;
    }

    /** One body byte, or -1 at EOF. */
    int readByte() throws IOException {
        if (pos >= lim && fill() < 0) {
            return -1;
        }
        return buf[pos++] & 0xFF;
    }

    private int fill() throws IOException {
        pos = 0;
        lim = 0;
        int n = in.read(buf, 0, buf.length);
        if (n > 0) {
            lim = n;
        }
        return n;
    }

    /** The response ended cleanly: back to the pool, or closed when it cannot be reused. */
    void finished(boolean reusable) {
        if (reusable && !broken && pos == lim) {
            pos = 0;
            lim = 0;
            pool.release(this);
        } else {
            closeQuietly();
        }
    }

    /** Closes the socket now (any thread); a blocked read fails at once. */
    void abort() {
        broken = true;
        closeQuietly();
    }

    void closeQuietly() {
        broken = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
    }
}
