package io.drover.egress;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

/**
 * Relays a worker's response to the client: status, headers (hop-by-hop ones stripped), then the
 * body — an event stream chunk by chunk, each flushed as it arrives, never buffered whole; a small
 * JSON body in one write with its length. A client that leaves closes the upstream body, which
 * closes the worker's connection. A stream that breaks after it started ends with an error event,
 * never a clean {@code [DONE]}.
 *
 * <p>Threading: {@link #relay} runs on the request's virtual thread; the {@link StreamWatchdog}
 * may write heartbeats and enforce the deadline from other threads, serialised by a per-relay lock.
 */
public final class ResponseRelay {
    private static final int CHUNK = 16 * 1024;
    private static final int SMALL_BODY = 1 << 20;
    private static final byte[] HEARTBEAT = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

    private final StreamWatchdog watchdog;

    /** How a relay ended. */
    public enum End {
        /** The whole body reached the client. */
        COMPLETE,
        /** The client went away; the upstream request was cancelled. */
        CLIENT_GONE,
        /** The worker's body broke off. */
        UPSTREAM_BROKEN,
        /** The request's deadline passed. */
        TIMED_OUT
    }

    public ResponseRelay(StreamWatchdog watchdog) {
        this.watchdog = watchdog;
    }

    /**
     * True for a response header that must not be copied from a worker to the client: hop-by-hop
     * headers, and those the server sets itself. {@code lower} is lower case.
     */
    public static boolean dropsResponseHeader(String lower) {
        return switch (lower) {
            case "connection", "keep-alive", "te", "trailer", "trailers", "transfer-encoding", "upgrade", "host",
                 "content-length", "date" -> true;
            default -> lower.startsWith("proxy-") || lower.startsWith(":");
        };
    }

    /**
     * Relays {@code up} into {@code res}. Closes {@code up} in every case.
     *
     * @param deadlineNanos  absolute {@link System#nanoTime} deadline of the whole request
     * @param onFirstByte    told once, with the nanoTime, when the first body bytes arrive
     */
    public End relay(UpstreamResponse up, ServerResponse res, long deadlineNanos, LongConsumer onFirstByte) {
        res.status(up.status());
        up.forEachHeader((n, values) -> {
            String name = n.toLowerCase(Locale.ROOT);
            if (!dropsResponseHeader(name)) {
                res.header(HeaderNames.create(name), values.toArray(String[]::new));
            }
        });
        String ct = up.contentType();
        boolean eventStream = ct != null && ct.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
        Relay r = new Relay(up, res, deadlineNanos, eventStream);
        watchdog.watch(r);
        try {
            return eventStream ? r.stream(onFirstByte) : r.whole(onFirstByte);
        } finally {
            watchdog.unwatch(r);
            r.closeUpstream();
        }
    }

    private static final class Relay implements StreamWatchdog.Watched {
        private final UpstreamResponse up;
        private final InputStream in;
        private final ServerResponse res;
        private final long deadlineNanos;
        private final boolean eventStream;
        private final ReentrantLock writeLock = new ReentrantLock();
        private OutputStream out;
        private volatile long lastWriteNanos = System.nanoTime();
        private volatile boolean atBoundary = true;
        private volatile boolean heartbeatBusy;
        private volatile boolean clientGone;
        private volatile boolean expired;
        private volatile boolean done;
        private byte last1;
        private byte last2;

        Relay(UpstreamResponse up, ServerResponse res, long deadlineNanos, boolean eventStream) {
            this.up = up;
            this.in = up.body();
            this.res = res;
            this.deadlineNanos = deadlineNanos;
            this.eventStream = eventStream;
        }

        End stream(LongConsumer onFirstByte) {
            writeLock.lock();
            try {
                out = res.outputStream();
                out.flush(); // commit status and headers now: the client sees the stream open
            } catch (IOException | RuntimeException e) {
                clientGone = true;
                return End.CLIENT_GONE;
            } finally {
                writeLock.unlock();
            }
            byte[] buf = new byte[CHUNK];
            boolean first = true;
            while (true) {
                int n;
                try {
                    n = in.read(buf);
                } catch (IOException | RuntimeException e) { // Helidon's client reports a cut stream unchecked
                    return endBroken();
                }
                if (n < 0) {
                    if (expired || clientGone) {
                        return endBroken();
                    }
                    finish();
                    return End.COMPLETE;
                }
                if (first) {
                    first = false;
                    onFirstByte.accept(System.nanoTime());
                }
                if (!write(buf, n, true)) {
                    return End.CLIENT_GONE;
                }
            }
        }

        End whole(LongConsumer onFirstByte) {
            byte[] head;
            try {
                head = readSmall(onFirstByte);
            } catch (IOException | RuntimeException e) {
                if (clientGone) {
                    return End.CLIENT_GONE;
                }
                if (expired) {
                    ApiErrors.send(res, 504, "timeout_error", "upstream_timeout", "the worker did not answer in time");
                    return End.TIMED_OUT;
                }
                ApiErrors.send(res, 502, "upstream_error", "upstream_broken",
                        "the worker's response broke off before it was complete");
                return End.UPSTREAM_BROKEN;
            }
            if (clientGone) {
                return End.CLIENT_GONE;
            }
            if (expired) {
                ApiErrors.send(res, 504, "timeout_error", "upstream_timeout", "the worker did not answer in time");
                return End.TIMED_OUT;
            }
            if (head.length < SMALL_BODY) {
                try {
                    res.send(head);
                    return End.COMPLETE;
                } catch (RuntimeException e) {
                    clientGone = true;
                    return End.CLIENT_GONE;
                }
            }
            // a large body: pass it through in chunks
            writeLock.lock();
            try {
                out = res.outputStream();
            } finally {
                writeLock.unlock();
            }
            if (!write(head, head.length, false)) {
                return End.CLIENT_GONE;
            }
            byte[] buf = new byte[CHUNK];
            while (true) {
                int n;
                try {
                    n = in.read(buf);
                } catch (IOException | RuntimeException e) {
                    // the length is unknown to the client: breaking the connection is the only honest signal
                    throw new java.io.UncheckedIOException("worker response broke off",
                            e instanceof IOException io ? io : new IOException(e));
                }
                if (n < 0) {
                    finish();
                    return End.COMPLETE;
                }
                if (!write(buf, n, false)) {
                    return End.CLIENT_GONE;
                }
            }
        }

        /**
         * Reads the body whole if it is smaller than {@value #SMALL_BODY} bytes (exactly sized when
         * the worker gave its length); otherwise returns the first {@value #SMALL_BODY} bytes.
         */
        private byte[] readSmall(LongConsumer onFirstByte) throws IOException {
            long declared = up.contentLength();
            byte[] buf = new byte[declared >= 0 && declared < SMALL_BODY ? (int) declared : 8192];
            int n = 0;
            boolean first = true;
            while (true) {
                if (n == buf.length) {
                    if (declared >= 0 && declared == n) {
                        // read on to the end of the entity, or the client drops the pooled connection
                        int r = in.read();
                        if (r < 0) {
                            if (first) {
                                onFirstByte.accept(System.nanoTime());
                            }
                            return buf;
                        }
                        throw new IOException("the worker sent more than its Content-Length");
                    }
                    if (n >= SMALL_BODY) {
                        return buf;
                    }
                    buf = java.util.Arrays.copyOf(buf, Math.min(SMALL_BODY, n * 2));
                }
                int r = in.read(buf, n, buf.length - n);
                if (r < 0) {
                    return n == buf.length ? buf : java.util.Arrays.copyOf(buf, n);
                }
                if (first && r > 0) {
                    first = false;
                    onFirstByte.accept(System.nanoTime());
                }
                n += r;
            }
        }

        private End endBroken() {
            if (clientGone) {
                return End.CLIENT_GONE;
            }
            if (expired) {
                writeEvent(ApiErrors.sseEvent("timeout_error", "request_timeout",
                        "the request exceeded --request-timeout-secs"));
                finish();
                return End.TIMED_OUT;
            }
            writeEvent(ApiErrors.sseEvent("upstream_error", "stream_broken",
                    "the worker's stream broke off before it finished"));
            finish();
            return End.UPSTREAM_BROKEN;
        }

        private void writeEvent(byte[] event) {
            // an error event must start on an event boundary
            if (!atBoundary) {
                write(new byte[] {'\n', '\n'}, 2, false);
            }
            write(event, event.length, true);
        }

        private boolean write(byte[] b, int n, boolean flush) {
            writeLock.lock();
            try {
                if (clientGone) {
                    return false;
                }
                out.write(b, 0, n);
                if (flush) {
                    out.flush();
                }
                track(b, n);
                lastWriteNanos = System.nanoTime();
                return true;
            } catch (IOException | RuntimeException e) {
                clientGone = true;
                return false;
            } finally {
                writeLock.unlock();
            }
        }

        private void track(byte[] b, int n) {
            if (n >= 2) {
                last2 = b[n - 2];
                last1 = b[n - 1];
            } else if (n == 1) {
                last2 = last1;
                last1 = b[0];
            }
            atBoundary = last1 == '\n' && last2 == '\n';
        }

        private void finish() {
            done = true;
            writeLock.lock();
            try {
                if (out != null && !clientGone) {
                    out.close();
                }
            } catch (IOException | RuntimeException e) {
                clientGone = true;
            } finally {
                writeLock.unlock();
            }
        }

        void closeUpstream() {
            done = true;
            up.close();
        }

        @Override
        public long deadlineNanos() {
            return deadlineNanos;
        }

        @Override
        public void expire() {
            expired = true;
            closeUpstream();
        }

        @Override
        public boolean wantsHeartbeat(long now) {
            return eventStream && !done && !heartbeatBusy && !clientGone && atBoundary && out != null
                    && now - lastWriteNanos >= StreamWatchdog.HEARTBEAT_IDLE_NANOS;
        }

        @Override
        public void heartbeat() {
            heartbeatBusy = true;
            try {
                if (!writeLock.tryLock()) {
                    return; // the relay is writing: the client is being heard from anyway
                }
                try {
                    if (done || clientGone || !atBoundary) {
                        return;
                    }
                    out.write(HEARTBEAT);
                    out.flush();
                    lastWriteNanos = System.nanoTime();
                } catch (IOException | RuntimeException e) {
                    clientGone = true;
                } finally {
                    writeLock.unlock();
                }
                if (clientGone) {
                    closeUpstream(); // wakes the relay blocked on the worker
                }
            } finally {
                heartbeatBusy = false;
            }
        }
    }
}
