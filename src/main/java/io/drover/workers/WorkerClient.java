package io.drover.workers;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;

/**
 * HTTP client toward workers: one JDK {@link HttpClient} (HTTP/1.1, pooled keep-alive connections
 * per worker, connect timeout) shared by every request thread. Blocking calls, made on the calling
 * (virtual) thread. Thread-safe.
 *
 * <p>Headers: only {@link #forwards(String) allow-listed} client headers are passed on; a worker's
 * own {@code api_key} (else the gateway's {@code --api-key}) replaces the client's Authorization.
 */
public final class WorkerClient {
    private final HttpClient http;
    private final String gatewayApiKey;

    /** Creates the client; {@code gatewayApiKey} may be null. */
    public WorkerClient(Duration connectTimeout, String gatewayApiKey) {
        this.gatewayApiKey = gatewayApiKey;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    /**
     * True for a client request header SMG forwards to workers: authorization, x-request-id,
     * x-correlation-id, traceparent, tracestate, x-smg-routing-key and any x-request-id-*.
     * {@code lowerName} must be lower case.
     */
    public static boolean forwards(String lowerName) {
        return switch (lowerName) {
            case "authorization", "x-request-id", "x-correlation-id", "traceparent", "tracestate",
                 "x-smg-routing-key" -> true;
            default -> lowerName.startsWith("x-request-id-");
        };
    }

    /**
     * Sends a request to {@code worker} and returns once its status and headers have arrived; the
     * body is left to the caller to read (and close, which releases or drops the connection).
     *
     * @param headers  allow-listed client headers as name/value pairs (lower-case names)
     * @param timeout  how long to wait for the response headers
     */
    public HttpResponse<InputStream> send(Worker worker, String method, String pathAndQuery, byte[] body,
                                          List<String[]> headers, Duration timeout)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(worker.url() + pathAndQuery)).timeout(timeout);
        String key = keyFor(worker);
        for (String[] h : headers) {
            if (key != null && h[0].equals("authorization")) {
                continue;
            }
            b.header(h[0], h[1]);
        }
        if (key != null) {
            b.header("authorization", "Bearer " + key);
        }
        if (body != null) {
            b.header("content-type", "application/json");
            b.method(method.toUpperCase(Locale.ROOT), HttpRequest.BodyPublishers.ofByteArray(body));
        } else {
            b.method(method.toUpperCase(Locale.ROOT), HttpRequest.BodyPublishers.noBody());
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    /** A small GET whose whole body is read (health probes, metadata, fan-out). */
    public HttpResponse<byte[]> get(Worker worker, String path, Duration timeout)
            throws IOException, InterruptedException {
        return simple(worker, "GET", path, null, timeout);
    }

    /** A small POST whose whole body is read (fan-out such as /flush_cache). */
    public HttpResponse<byte[]> post(Worker worker, String path, byte[] body, Duration timeout)
            throws IOException, InterruptedException {
        return simple(worker, "POST", path, body, timeout);
    }

    private HttpResponse<byte[]> simple(Worker worker, String method, String path, byte[] body, Duration timeout)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(worker.url() + path)).timeout(timeout);
        String key = keyFor(worker);
        if (key != null) {
            b.header("authorization", "Bearer " + key);
        }
        if (body != null) {
            b.header("content-type", "application/json");
            b.method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private String keyFor(Worker w) {
        String k = w.spec().apiKey();
        return k != null && !k.isEmpty() ? k : gatewayApiKey;
    }

    /** Closes the pooled connections. */
    public void close() {
        http.shutdownNow();
    }
}
