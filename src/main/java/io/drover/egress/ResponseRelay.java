package io.drover.egress;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

/**
 * Relays a worker's response to the client: status, headers (hop-by-hop ones stripped), then the
 * body — an event stream chunk by chunk, each flushed as it arrives, never buffered whole; any other
 * body is first {@link #read read} (up to 1 MiB) before anything is sent, so that a worker whose
 * body breaks off, stalls, or is not the JSON it claims can still be retried on another worker,
 * and is then {@link #send sent} in one write with its length. A client that leaves closes the
 * upstream body, which closes the worker's connection. A stream that breaks after it started ends
 * with an error event, never a clean {@code [DONE]}.
 *
 * <p>Threading: {@link #read}, {@link #send} and {@link #stream} run on the request's virtual
 * thread; the {@link StreamWatchdog} may write heartbeats and enforce the deadlines from other
 * threads, serialised by a per-relay lock.
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
        /** The request's deadline passed, or the worker went quiet for too long. */
        TIMED_OUT
    }

    /** What went wrong while a non-stream body was being read; nothing has been sent yet. */
    public enum Problem {
        NONE,
        /** The body broke off. */
        BROKEN,
        /** The whole-request deadline passed. */
        DEADLINE,
        /** The first-byte or idle limit passed. */
        STALLED,
        /** A 2xx answer labelled JSON whose body is not JSON. */
        NOT_JSON
    }

    /** A non-stream body read ahead of sending: all of it, or its first MiB. */
    public static final class Body {
        private final Relay relay;
        private final byte[] head;
        private final boolean complete;
        private final Problem problem;
        private final long firstByteNanos;

        private Body(Relay relay, byte[] head, boolean complete, Problem problem, long firstByteNanos) {
            this.relay = relay;
            this.head = head;
            this.complete = complete;
            this.problem = problem;
            this.firstByteNanos = firstByteNanos;
        }

        public Problem problem() {
            return problem;
        }

        /** The bytes read (empty when a problem occurred). */
        public byte[] bytes() {
            return head;
        }

        /** Releases the upstream body without sending it (a retry follows). */
        public void discard() {
            relay.closeUpstream();
        }
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

    /** True when the worker answered with an event stream. */
    public static boolean isEventStream(UpstreamResponse up) {
        String ct = up.contentType();
        return ct != null && ct.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
    }

    /**
     * Relays any response: an event stream with {@link #stream}, anything else with {@link #read}
     * then {@link #send} (a read problem becomes a 502 or 504 error). Closes {@code up}'s body.
     */
    public End relay(UpstreamResponse up, ServerResponse res, Deadlines d, LongConsumer onFirstByte) {
        if (isEventStream(up)) {
            return stream(up, res, d, onFirstByte);
        }
        Body b = read(up, d);
        if (b.problem() != Problem.NONE) {
            sendProblem(res, b.problem());
            return b.problem() == Problem.DEADLINE || b.problem() == Problem.STALLED ? End.TIMED_OUT
                    : End.UPSTREAM_BROKEN;
        }
        return send(up, b, res, onFirstByte);
    }

    /** Sends the client the error for a {@link Problem} met while reading a body. */
    public static void sendProblem(ServerResponse res, Problem p) {
        switch (p) {
            case DEADLINE -> ApiErrors.send(res, 504, "timeout_error", "request_timeout",
                    "the request exceeded --request-timeout-secs");
            case STALLED -> ApiErrors.send(res, 504, "timeout_error", "upstream_timeout",
                    "the worker did not answer in time");
            case NOT_JSON -> ApiErrors.send(res, 502, "upstream_error", "upstream_invalid_response",
                    "the worker's answer is not valid JSON");
            default -> ApiErrors.send(res, 502, "upstream_error", "upstream_broken",
                    "the worker's response broke off");
        }
    }

    /**
     * Reads a non-stream body, up to 1 MiB, under the deadlines; sends nothing. On a problem the
     * upstream body is closed; otherwise {@link #send} or {@link Body#discard} must follow.
     */
    public Body read(UpstreamResponse up, Deadlines d) {
        Relay r = new Relay(up, null, d, false);
        watchdog.watch(r);
        long declared = up.contentLength();
        byte[] buf = new byte[declared >= 0 && declared < SMALL_BODY ? (int) declared : 8192];
        int n = 0;
        long firstByteAt = 0;
        boolean eof = false;
        try {
            while (n < SMALL_BODY) {
                if (n == buf.length) {
                    if (declared == n) {
                        // read on to the end of the entity, so that the connection can be pooled
                        if (r.in.read() >= 0) {
                            throw new IOException("the worker sent more than its Content-Length");
                        }
                        eof = true;
                        break;
                    }
                    buf = Arrays.copyOf(buf, Math.min(SMALL_BODY, buf.length * 2));
                }
                int k = r.in.read(buf, n, buf.length - n);
                if (k < 0) {
                    eof = true;
                    break;
                }
                r.readSome();
                if (n == 0 && k > 0) {
                    firstByteAt = System.nanoTime();
                }
                n += k;
            }
        } catch (IOException | RuntimeException e) {
            return failed(r, r.expired ? timedOut(r) : Problem.BROKEN);
        } finally {
            watchdog.unwatch(r);
        }
        if (r.expired) {
            return failed(r, timedOut(r));
        }
        byte[] head = n == buf.length ? buf : Arrays.copyOf(buf, n);
        if (up.status() / 100 == 2 && looksLikeJson(up) && !startsLikeJson(head)) {
            return failed(r, Problem.NOT_JSON);
        }
        if (eof) {
            r.closeUpstream();
        }
        return new Body(r, head, eof, Problem.NONE, firstByteAt == 0 ? System.nanoTime() : firstByteAt);
    }

    private static Problem timedOut(Relay r) {
        return r.reason == Deadlines.Reason.TOTAL ? Problem.DEADLINE : Problem.STALLED;
    }

    private static Body failed(Relay r, Problem p) {
        r.closeUpstream();
        return new Body(r, new byte[0], false, p, 0);
    }

    private static boolean looksLikeJson(UpstreamResponse up) {
        String ct = up.contentType();
        return ct != null && ct.toLowerCase(Locale.ROOT).contains("json");
    }

    private static boolean startsLikeJson(byte[] b) {
        for (byte c : b) {
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                continue;
            }
            return c == '{' || c == '[';
        }
        return b.length == 0;
    }

    private static void copyHead(UpstreamResponse up, ServerResponse res) {
        res.status(up.status());
        up.forEachHeader((n, values) -> {
            String name = n.toLowerCase(Locale.ROOT);
            if (!dropsResponseHeader(name)) {
                res.header(HeaderNames.create(name), values.toArray(String[]::new));
            }
        });
    }

    /** Sends a body read by {@link #read}: in one write, or for a large one its head then the rest. */
    public End send(UpstreamResponse up, Body b, ServerResponse res, LongConsumer onFirstByte) {
        Relay r = b.relay;
        r.res = res;
        copyHead(up, res);
        onFirstByte.accept(b.firstByteNanos);
        if (b.complete) {
            try {
                res.send(b.head);
                return End.COMPLETE;
            } catch (RuntimeException e) {
                return End.CLIENT_GONE;
            }
        }
        watchdog.watch(r);
        try {
            return r.rest(b.head);
        } finally {
            watchdog.unwatch(r);
            r.closeUpstream();
        }
    }

    /** Relays an event stream into {@code res}, flushing each chunk. Closes {@code up}'s body. */
    public End stream(UpstreamResponse up, ServerResponse res, Deadlines d, LongConsumer onFirstByte) {
        copyHead(up, res);
        Relay r = new Relay(up, res, d, true);
        watchdog.watch(r);
        try {
            return r.stream(onFirstByte);
        } finally {
            watchdog.unwatch(r);
            r.closeUpstream();
        }
    }

    private static final class Relay implements StreamWatchdog.Watched {
        private final UpstreamResponse up;
        private final InputStream in;
        private ServerResponse res;
        private final Deadlines limits;
        private final boolean eventStream;
        private final ReentrantLock writeLock = new ReentrantLock();
        private OutputStream out;
        private volatile long lastWriteNanos = System.nanoTime();
        private volatile long lastReadNanos;
        private volatile boolean started;
        private volatile boolean atBoundary = true;
        private volatile boolean heartbeatBusy;
        private volatile boolean clientGone;
        private volatile boolean expired;
        private volatile Deadlines.Reason reason;
        private volatile boolean done;
        private byte last1;
        private byte last2;

        Relay(UpstreamResponse up, ServerResponse res, Deadlines limits, boolean eventStream) {
            this.up = up;
            this.in = up.body();
            this.res = res;
            this.limits = limits;
            this.eventStream = eventStream;
        }

        void readSome() {
            lastReadNanos = System.nanoTime();
            started = true;
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
                } catch (IOException | RuntimeException e) {
                    return endBroken();
                }
                if (n < 0) {
                    if (expired || clientGone) {
                        return endBroken();
                    }
                    finish();
                    return End.COMPLETE;
                }
                readSome();
                if (first) {
                    first = false;
                    onFirstByte.accept(System.nanoTime());
                }
                if (!write(buf, n, true)) {
                    return End.CLIENT_GONE;
                }
            }
        }

        /** A large non-stream body: its first MiB, then the rest as it comes. */
        End rest(byte[] head) {
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
                readSome();
                if (!write(buf, n, false)) {
                    return End.CLIENT_GONE;
                }
            }
        }

        private End endBroken() {
            if (clientGone) {
                return End.CLIENT_GONE;
            }
            if (expired) {
                Deadlines.Reason why = reason;
                writeEvent(switch (why == null ? Deadlines.Reason.TOTAL : why) {
                    case TOTAL -> ApiErrors.sseEvent("timeout_error", "request_timeout",
                            "the request exceeded --request-timeout-secs");
                    case FIRST_BYTE -> ApiErrors.sseEvent("timeout_error", "upstream_timeout",
                            "the worker sent nothing within --first-byte-timeout-secs");
                    case IDLE -> ApiErrors.sseEvent("timeout_error", "stream_idle_timeout",
                            "the worker's stream was silent longer than --stream-idle-timeout-secs");
                });
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
            long d = limits.totalNanos();
            if (!started) {
                long fb = limits.firstByteNanos();
                if (fb != 0 && fb - d < 0) {
                    d = fb;
                }
            } else if (limits.idleNanos() > 0) {
                long idle = lastReadNanos + limits.idleNanos();
                if (idle - d < 0) {
                    d = idle;
                }
            }
            return d;
        }

        @Override
        public void expire() {
            long now = System.nanoTime();
            reason = now - limits.totalNanos() >= 0 ? Deadlines.Reason.TOTAL
                    : started ? Deadlines.Reason.IDLE : Deadlines.Reason.FIRST_BYTE;
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
