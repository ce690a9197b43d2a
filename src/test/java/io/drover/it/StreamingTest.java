package io.drover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.mock.Fault;
import io.drover.mock.MockWorker;
import io.drover.mock.MockWorkerOptions;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Event streams: incremental delivery, client disconnects reaching the worker, broken streams. */
class StreamingTest {
    private static final String STREAM_CHAT = Harness.chat("mock-model", true);

    /** Sends a streaming chat over a raw socket and returns the socket after the response headers. */
    private static Socket openStream(int port, String body) throws Exception {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(10_000);
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
        return s;
    }

    private static String readUntil(InputStream in, String marker) throws Exception {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            sb.append((char) c);
            if (sb.indexOf(marker) >= 0) {
                return sb.toString();
            }
        }
        return sb.toString();
    }

    @Test
    void eventsReachTheClientAsTheWorkerSendsThem() throws Exception {
        try (Harness h = Harness.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(1).outputTokens(5)
                .tokenDelayMs(300).build(), c -> c)) {
            long t0 = System.nanoTime();
            HttpResponse<InputStream> r = h.http.send(HttpRequest.newBuilder(h.uri("/v1/chat/completions"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(STREAM_CHAT))
                    .build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
            List<Long> arrivals = new ArrayList<>();
            boolean firstWhileWorkerBusy = false;
            MockWorker w = h.fleet.worker(0);
            try (BufferedReader rd = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = rd.readLine()) != null) {
                    if (line.startsWith("data: ")) {
                        if (arrivals.isEmpty()) {
                            firstWhileWorkerBusy = w.activeRequests() == 1;
                        }
                        arrivals.add((System.nanoTime() - t0) / 1_000_000);
                        if (line.equals("data: [DONE]")) {
                            break;
                        }
                    }
                }
            }
            assertTrue(firstWhileWorkerBusy, "the first event arrived while the worker was still generating");
            assertTrue(arrivals.size() >= 7, "role chunk, 5 tokens, final, [DONE]: " + arrivals);
            long last = arrivals.get(arrivals.size() - 1);
            assertTrue(last - arrivals.get(0) >= 1000, "events spread over the stream: " + arrivals);
            assertTrue(arrivals.get(0) < last - 900, "the first event was not held back: " + arrivals);
        }
    }

    @Test
    void aClientLeavingMidStreamCancelsTheWorkerRequest() throws Exception {
        try (Harness h = Harness.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(1).outputTokens(100)
                .tokenDelayMs(100).build(), c -> c)) {
            MockWorker w = h.fleet.worker(0);
            Socket s = openStream(h.gateway.port(), STREAM_CHAT);
            readUntil(s.getInputStream(), "tok1");
            s.close();
            long t0 = System.nanoTime();
            assertTrue(Harness.eventually(1500, () -> w.cancelledRequests() == 1),
                    "the worker saw the cancel; cancelled=" + w.cancelledRequests());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 1000, "cancel reached the worker after " + ms + " ms");
            assertTrue(Harness.eventually(1000, () -> h.gateway.state().inFlight() == 0));
            assertTrue(Harness.eventually(1000, () -> h.gateway.registry().all().get(0).inFlight() == 0),
                    "the worker's in-flight count was released");
        }
    }

    @Test
    void aClientLeavingAQuietStreamClosesTheWorkerConnectionWithinASecond() throws Exception {
        // a fake worker that opens an event stream, sends one event, then stays silent and watches its socket
        try (ServerSocket fake = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Long> closedAt = new CompletableFuture<>();
            Thread.startVirtualThread(() -> fakeQuietWorker(fake, closedAt));
            try (Harness h = Harness.withoutFleet(c -> c.withWorkerUrls(List.of("http://127.0.0.1:" + fake.getLocalPort())))) {
                assertTrue(h.gateway.awaitReady(1, Duration.ofSeconds(5)));
                Socket s = openStream(h.gateway.port(), "{\"stream\":true,\"prompt\":\"x\"}");
                String head = readUntil(s.getInputStream(), "first");
                assertTrue(head.contains("200"), head);
                Thread.sleep(200);
                long left = System.nanoTime();
                s.close();
                long closed = closedAt.get(5, TimeUnit.SECONDS);
                long ms = (closed - left) / 1_000_000;
                assertTrue(ms < 1000, "the worker's connection closed " + ms + " ms after the client left");
            }
        }
    }

    /** Serves /health and one silent stream; completes {@code closedAt} when the stream's socket reaches EOF. */
    private static void fakeQuietWorker(ServerSocket server, CompletableFuture<Long> closedAt) {
        try {
            while (!closedAt.isDone()) {
                Socket s = server.accept();
                Thread.startVirtualThread(() -> {
                    try (s) {
                        InputStream in = s.getInputStream();
                        OutputStream out = s.getOutputStream();
                        while (true) {
                            String head = readUntil(in, "\r\n\r\n");
                            if (head.isEmpty()) {
                                return;
                            }
                            int len = 0;
                            for (String l : head.split("\r\n")) {
                                if (l.toLowerCase().startsWith("content-length:")) {
                                    len = Integer.parseInt(l.substring(15).trim());
                                }
                            }
                            in.readNBytes(len);
                            if (head.startsWith("GET")) {
                                String body = head.contains("/v1/models") ? "{\"object\":\"list\",\"data\":[]}" : "";
                                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                                        .getBytes(StandardCharsets.US_ASCII));
                                out.flush();
                                continue;
                            }
                            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                    + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                            String ev = "data: {\"text\":\"first\"}\n\n";
                            out.write((Integer.toHexString(ev.length()) + "\r\n" + ev + "\r\n")
                                    .getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                            s.setSoTimeout(10_000);
                            int r = in.read(); // blocks until the gateway closes the connection
                            if (r < 0) {
                                closedAt.complete(System.nanoTime());
                            }
                            return;
                        }
                    } catch (Exception e) {
                        if (e instanceof java.net.SocketException) {
                            closedAt.complete(System.nanoTime());
                        }
                    }
                });
            }
        } catch (Exception ignored) {
            // server closed
        }
    }

    @Test
    void aStreamThatBreaksEndsWithAnErrorEventNotDone() throws Exception {
        try (Harness h = Harness.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(1).outputTokens(20)
                .build(), c -> c)) {
            h.fleet.worker(0).setFault(Fault.TRUNCATE);
            HttpResponse<String> r = h.post("/v1/chat/completions", STREAM_CHAT);
            assertEquals(200, r.statusCode());
            String body = r.body();
            assertFalse(body.contains("[DONE]"), body);
            String[] events = body.trim().split("\n\n");
            String last = events[events.length - 1];
            assertTrue(last.startsWith("data: {\"error\""), "last event is an error: " + last);
            assertTrue(last.contains("stream_broken"), last);
            assertTrue(events.length >= 2, "the events before the break were delivered: " + body);
        }
    }

    @Test
    void heartbeatsKeepAQuietStreamParseable() throws Exception {
        try (Harness h = Harness.start(MockWorkerOptions.builder().httpBasePort(0).httpCount(1).outputTokens(3)
                .tokenDelayMs(700).build(), c -> c)) {
            HttpResponse<String> r = h.post("/v1/chat/completions", STREAM_CHAT);
            String body = r.body();
            assertTrue(body.contains(": keep-alive\n\n"), "a quiet stream carries heartbeat comments: " + body);
            assertTrue(body.endsWith("data: [DONE]\n\n"), body);
            for (String ev : body.split("\n\n")) {
                assertTrue(ev.startsWith("data: ") || ev.startsWith(":"), "each event is whole: [" + ev + "]");
            }
        }
    }
}
