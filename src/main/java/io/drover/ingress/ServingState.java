package io.drover.ingress;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether the gateway takes new requests, and how many proxied requests are in flight, for
 * readiness and graceful shutdown. Written by request threads and the shutdown thread.
 */
public final class ServingState {
    private volatile boolean draining;
    private final AtomicInteger inFlight = new AtomicInteger();

    /** Stops taking new requests; readiness turns 503. */
    public void drain() {
        draining = true;
    }

    public boolean draining() {
        return draining;
    }

    /** Proxied requests in flight. */
    public int inFlight() {
        return inFlight.get();
    }

    void enter() {
        inFlight.incrementAndGet();
    }

    void exit() {
        inFlight.decrementAndGet();
    }

    /** Waits until no proxied request is in flight or the deadline passes; true when none is left. */
    public boolean awaitIdle(long deadlineNanos) throws InterruptedException {
        while (inFlight.get() > 0) {
            if (System.nanoTime() - deadlineNanos >= 0) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }
}
