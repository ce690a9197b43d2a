package io.drover.bench.jmh;

import io.drover.egress.Deadlines;
import io.drover.egress.ResponseRelay;
import io.drover.egress.StreamWatchdog;
import io.drover.egress.UpstreamResponse;
import io.helidon.webserver.http.ServerResponse;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * SSE event copy through {@link ResponseRelay}: a 64-event chat stream (~190 bytes per event, one event
 * per upstream read, as a worker flushing each token produces) relayed into a stand-in
 * {@code ServerResponse} (a dynamic proxy whose output stream discards bytes), so the figure is the
 * relay's own cost per event, without sockets. Reported per event. Run by JMH, one thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SseRelayBench {
    private static final int EVENTS = 64;
    private byte[][] events;
    private StreamWatchdog watchdog;
    private ResponseRelay relay;
    private ServerResponse res;
    private long sunk;

    @Setup(Level.Trial)
    public void setup() {
        events = new byte[EVENTS][];
        for (int i = 0; i < EVENTS; i++) {
            events[i] = ("data: {\"id\":\"chatcmpl-9000-1\",\"object\":\"chat.completion.chunk\",\"created\":1796164599,"
                    + "\"model\":\"mock-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" tok" + i
                    + "\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n").getBytes(StandardCharsets.UTF_8);
        }
        events[EVENTS - 1] = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);
        watchdog = new StreamWatchdog();
        relay = new ResponseRelay(watchdog);
        OutputStream sink = new OutputStream() {
            @Override
            public void write(int b) {
                sunk++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                sunk += len;
            }
        };
        res = (ServerResponse) Proxy.newProxyInstance(ServerResponse.class.getClassLoader(), new Class<?>[] {ServerResponse.class},
                (proxy, m, args) -> {
                    if (m.getName().equals("outputStream")) return sink;
                    Class<?> t = m.getReturnType();
                    if (t.isInstance(proxy)) return proxy;
                    if (t == boolean.class) return false;
                    if (t == int.class || t == long.class) return 0;
                    return null;
                });
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        watchdog.close();
    }

    private UpstreamResponse upstream() {
        InputStream body = new InputStream() {
            private int event;

            @Override
            public int read() {
                throw new UnsupportedOperationException("the benchmark's stand-in response has no such call");
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (event == EVENTS) return -1;
                byte[] e = events[event++];
                System.arraycopy(e, 0, b, off, e.length);
                return e.length;
            }
        };
        return new UpstreamResponse() {
            @Override public int status() { return 200; }
            @Override public String contentType() { return "text/event-stream"; }
            @Override public long contentLength() { return -1; }
            @Override public void forEachHeader(BiConsumer<String, List<String>> v) {
                v.accept("Content-Type", List.of("text/event-stream"));
                v.accept("x-mock-worker", List.of("9000"));
            }
            @Override public InputStream body() { return body; }
            @Override public void close() { }
        };
    }

    /** One whole 64-event stream; the score is per event. */
    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public ResponseRelay.End relayStream() {
        return relay.relay(upstream(), res, Deadlines.total(System.nanoTime() + TimeUnit.MINUTES.toNanos(1)), t -> { });
    }
}
