package io.drover.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bare-bones fake inference worker for the benchmark's control runs: {@code GET /health},
 * {@code GET /v1/models} and {@code POST /v1/chat/completions} (JSON, or SSE when the body holds
 * {@code "stream":true}: a role event, {@code --tokens} token events {@code --token-delay-ms}
 * apart, a finish event and {@code [DONE]}, each its own flushed chunk). Unlike the Helidon-based
 * mock worker it sets {@code TCP_NODELAY} on every accepted socket, so small SSE writes are not held
 * back by Nagle's algorithm waiting for the client's delayed ACK; comparing the two isolates that
 * effect (see docs/PERFORMANCE.md).
 *
 * <p>Started by {@code bench/proxy-overhead.sh} as its own process; {@link #main} accepts on the
 * main thread and serves each connection on a virtual thread. Binds 127.0.0.1 only and exits after
 * {@code --max-secs}.
 */
public final class NoDelayWorker {
    private static final int MAX_LINE = 8192;
    private static final int MAX_BODY = 1 << 20;
    private static final AtomicLong IDS = new AtomicLong();

    private final int tokens;
    private final long tokenDelayMs;

    private NoDelayWorker(int tokens, long tokenDelayMs) {
        this.tokens = tokens;
        this.tokenDelayMs = tokenDelayMs;
    }

    public static void main(String[] args) throws IOException {
        int port = 0;
        int tokens = 8;
        long delay = 5;
        long maxSecs = 600;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--tokens" -> tokens = Integer.parseInt(args[i + 1]);
                case "--token-delay-ms" -> delay = Long.parseLong(args[i + 1]);
                case "--max-secs" -> maxSecs = Long.parseLong(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        NoDelayWorker w = new NoDelayWorker(tokens, delay);
        long until = System.nanoTime() + maxSecs * 1_000_000_000L;
        try (ServerSocket ss = new ServerSocket(port, 1024, InetAddress.getLoopbackAddress())) {
            ss.setSoTimeout(1000);
            System.out.println("nodelay-worker: http://127.0.0.1:" + ss.getLocalPort());
            System.out.flush();
            while (System.nanoTime() < until) {
                Socket s;
                try {
                    s = ss.accept();
                } catch (SocketTimeoutException e) {
                    continue;
                }
                Thread.ofVirtual().name("nodelay-conn").start(() -> w.serve(s));
            }
        }
        System.exit(0);
    }

    private void serve(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(120_000);
            InputStream in = new java.io.BufferedInputStream(s.getInputStream(), 16 * 1024);
            OutputStream out = s.getOutputStream();
            byte[] line = new byte[MAX_LINE];
            for (int n = 0; n < Integer.MAX_VALUE; n++) {
                String requestLine;
                try {
                    requestLine = readLine(in, line);
                } catch (EOFException e) {
                    return; // the client closed its keep-alive connection
                }
                int length = 0;
                for (int h = 0; h < 200; h++) {
                    String header = readLine(in, line);
                    if (header.isEmpty()) {
                        break;
                    }
                    if (header.regionMatches(true, 0, "content-length:", 0, 15)) {
                        length = Integer.parseInt(header.substring(15).trim());
                    }
                }
                if (length < 0 || length > MAX_BODY) {
                    return;
                }
                byte[] body = in.readNBytes(length);
                if (body.length != length) {
                    return;
                }
                respond(requestLine, new String(body, StandardCharsets.UTF_8), out);
            }
        } catch (IOException | RuntimeException e) {
            // the connection is gone; nothing to report to anyone
        }
    }

    private void respond(String requestLine, String body, OutputStream out) throws IOException {
        if (requestLine.startsWith("GET /health")) {
            fixed(out, 200, "text/plain", "OK");
        } else if (requestLine.startsWith("GET /v1/models")) {
            fixed(out, 200, "application/json", "{\"object\":\"list\",\"data\":[{\"id\":\"mock-model\","
                    + "\"object\":\"model\",\"owned_by\":\"sglang\",\"root\":\"mock-model\"}]}");
        } else if (requestLine.startsWith("POST /v1/chat/completions")) {
            String id = "chatcmpl-nd-" + IDS.incrementAndGet();
            if (body.replace(" ", "").contains("\"stream\":true")) {
                stream(out, id);
            } else {
                StringBuilder content = new StringBuilder();
                for (int i = 0; i < tokens; i++) {
                    content.append(i == 0 ? "tok0" : " tok" + i);
                }
                fixed(out, 200, "application/json", "{\"id\":\"" + id + "\",\"object\":\"chat.completion\","
                        + "\"model\":\"mock-model\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                        + "\"content\":\"" + content + "\"},\"finish_reason\":\"length\"}],"
                        + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":" + tokens + ",\"total_tokens\":"
                        + (tokens + 3) + "}}");
            }
        } else {
            fixed(out, 404, "application/json", "{\"error\":{\"message\":\"not found\"}}");
        }
    }

    private void stream(OutputStream out, String id) throws IOException {
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String pre = "data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"model\":\"mock-model\","
                + "\"choices\":[{\"index\":0,";
        chunk(out, pre + "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n");
        for (int i = 0; i < tokens; i++) {
            if (i > 0) {
                sleep(tokenDelayMs);
            }
            chunk(out, pre + "\"delta\":{\"content\":\"" + (i == 0 ? "tok0" : " tok" + i) + "\"},\"finish_reason\":null}]}\n\n");
        }
        chunk(out, pre + "\"delta\":{},\"finish_reason\":\"length\"}]}\n\n");
        chunk(out, "data: [DONE]\n\n");
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static void chunk(OutputStream out, String data) throws IOException {
        byte[] d = data.getBytes(StandardCharsets.UTF_8);
        byte[] head = (Integer.toHexString(d.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + d.length + 2];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(d, 0, all, head.length, d.length);
        all[all.length - 2] = '\r';
        all[all.length - 1] = '\n';
        out.write(all); // one write per chunk: one segment on the wire
        out.flush();
    }

    private static void fixed(OutputStream out, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + (status == 200 ? " OK" : " Not Found") + "\r\nContent-Type: " + type
                + "\r\nContent-Length: " + b.length + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[h.length + b.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(b, 0, all, h.length, b.length);
        out.write(all);
        out.flush();
    }

    private static String readLine(InputStream in, byte[] line) throws IOException {
        int n = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException();
            }
            if (b == '\n') {
                if (n > 0 && line[n - 1] == '\r') {
                    n--;
                }
                return new String(line, 0, n, StandardCharsets.US_ASCII);
            }
            if (n == line.length) {
                throw new IOException("line too long");
            }
            line[n++] = (byte) b;
        }
    }

    private static void sleep(long ms) {
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
