package io.drover.egress;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Watches every response being relayed: it enforces the whole-request deadline (closing the
 * upstream body, which ends the relay) and, for an event stream the worker has gone quiet on, has a
 * heartbeat comment written so that a client that has left is noticed — and the worker's request
 * cancelled — within about a second instead of at the next token.
 *
 * <p>Threading: one platform thread ticks every {@value #TICK_MS} ms and only reads volatile
 * fields; a heartbeat write runs on a fresh virtual thread so that a slow client cannot stall the
 * tick. Relays register and unregister from their request threads.
 */
public final class StreamWatchdog implements AutoCloseable {
    static final long TICK_MS = 100;
    static final long HEARTBEAT_IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(300);

    private final Set<Watched> active = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService ticker;

    /** What the watchdog needs of a relay in progress. */
    interface Watched {
        /** Absolute deadline ({@link System#nanoTime}) of the whole request. */
        long deadlineNanos();

        /** Called once when the deadline passes; must not block. */
        void expire();

        /** True when a heartbeat may be written now (an idle event stream at an event boundary). */
        boolean wantsHeartbeat(long now);

        /** Writes the heartbeat; may block; runs on its own virtual thread. */
        void heartbeat();
    }

    public StreamWatchdog() {
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "drover-stream-watchdog");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    void watch(Watched w) {
        active.add(w);
    }

    void unwatch(Watched w) {
        active.remove(w);
    }

    /** Relays being watched now. */
    public int size() {
        return active.size();
    }

    private void tick() {
        long now = System.nanoTime();
        for (Watched w : active) {
            if (now - w.deadlineNanos() >= 0) {
                active.remove(w);
                w.expire();
            } else if (w.wantsHeartbeat(now)) {
                Thread.startVirtualThread(w::heartbeat);
            }
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
