package io.drover.workers;

import io.drover.egress.UpstreamResponse;
import io.drover.workers.http.Http1Client;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * HTTP client toward workers: proxied requests and control calls (probes, metadata, fan-out), each
 * on its own pool of keep-alive connections ({@link Http1Client}). Thread-safe; shared by every
 * request thread and the health prober.
 *
 * <p>Headers: only {@link #forwards(String) allow-listed} client headers are passed on; a worker's
 * own {@code api_key} (else the gateway's {@code --api-key}) replaces the client's Authorization.
 */
public final class WorkerClient {
    private static final Duration MAX_IDLE = Duration.ofSeconds(4);

    private final Http1Client proxy;
    private final Http1Client control;
    private final String gatewayApiKey;

    /** A small, fully read response (probes, metadata, fan-out). */
    public record Small(int status, byte[] body, String contentType) {}

    /**
     * @param connectTimeout  connect timeout for every request
     * @param readTimeout     longest wait for any read of a proxied response (the whole-request
     *                        deadline is enforced by the relay's watchdog)
     * @param controlTimeout  read timeout of probes and fan-out calls
     * @param gatewayApiKey   the gateway's {@code --api-key}, or null
     */
    public WorkerClient(Duration connectTimeout, Duration readTimeout, Duration controlTimeout, String gatewayApiKey) {
        this.gatewayApiKey = gatewayApiKey;
        this.proxy = new Http1Client(connectTimeout, readTimeout, MAX_IDLE);
        this.control = new Http1Client(connectTimeout, controlTimeout, MAX_IDLE);
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
     * caller reads the body and closes the response.
     *
     * @param headers  allow-listed client headers as name/value pairs (lower-case names)
     * @throws ConnectException        the worker could not be reached
     * @throws SocketTimeoutException  the worker did not answer within the read timeout
     * @throws IOException             any other transport failure
     */
    public UpstreamResponse send(Worker worker, String method, String pathAndQuery, byte[] body,
                                 List<String[]> headers) throws IOException {
        return send(worker, method, pathAndQuery, body, headers, null);
    }

    /**
     * As {@link #send(Worker, String, String, byte[], List)}, waiting at most {@code headTimeout}
     * for the response head (null = the read timeout).
     */
    public UpstreamResponse send(Worker worker, String method, String pathAndQuery, byte[] body,
                                 List<String[]> headers, Duration headTimeout) throws IOException {
        String key = keyFor(worker);
        List<String[]> out = headers;
        if (key != null) {
            out = new ArrayList<>(headers.size() + 1);
            for (String[] h : headers) {
                if (!h[0].equals("authorization")) {
                    out.add(h);
                }
            }
            out.add(new String[] {"authorization", "Bearer " + key});
        }
        return proxy.send(worker.baseUrl(), method.toUpperCase(Locale.ROOT), pathAndQuery, out, body, headTimeout);
    }

    /** A small GET whose whole body is read (health probes, metadata, fan-out). */
    public Small get(Worker worker, String path) throws IOException {
        return small(worker, "GET", path, null, null);
    }

    /** A small GET whose response head must arrive within {@code timeout} (a per-worker probe timeout). */
    public Small get(Worker worker, String path, Duration timeout) throws IOException {
        return small(worker, "GET", path, null, timeout);
    }

    /** A small POST whose whole body is read (fan-out such as /flush_cache). */
    public Small post(Worker worker, String path, byte[] body) throws IOException {
        return small(worker, "POST", path, body, null);
    }

    private Small small(Worker worker, String method, String path, byte[] body, Duration timeout)
            throws IOException {
        String key = keyFor(worker);
        List<String[]> headers = key == null ? List.of() : List.<String[]>of(new String[] {"authorization", "Bearer " + key});
        UpstreamResponse r = control.send(worker.baseUrl(), method, path, headers, body, timeout);
        try (InputStream in = r.body()) {
            return new Small(r.status(), in.readAllBytes(), r.contentType());
        } finally {
            r.close();
        }
    }

    private String keyFor(Worker w) {
        String k = w.spec().apiKey();
        return k != null && !k.isEmpty() ? k : gatewayApiKey;
    }

    /** Closes pooled connections. */
    public void close() {
        proxy.close();
        control.close();
    }
}
