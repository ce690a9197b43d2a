package io.drover.workers;

import io.drover.config.ResilienceSettings;

/**
 * One worker's circuit breaker. Closed: the worker is a candidate; {@code failureThreshold}
 * consecutive failures (within {@code window} of the first) open it. Open: the worker is not a
 * candidate until {@code timeout} has passed, then the breaker turns half-open on the next routing
 * decision. Half-open: at most {@code successThreshold} probe requests are in flight at once;
 * {@code successThreshold} consecutive successes close it, any failure reopens it. Backpressure
 * (429, 503), client errors and cancelled requests are {@link Outcome#NEUTRAL}: they change nothing.
 *
 * <p>Threading: every mutating method is called <em>only by the routing policy thread</em>, which
 * owns the breaker like the rest of the routing state; the state and the streak counters are
 * volatile so that metrics and listings may read them from any thread.
 */
public final class CircuitBreaker {
    /** Breaker states, with SMG's gauge values. */
    public enum State {
        CLOSED(0), OPEN(1), HALF_OPEN(2);

        private final int gauge;

        State(int gauge) {
            this.gauge = gauge;
        }

        /** The value of {@code smg_worker_cb_state}. */
        public int gauge() {
            return gauge;
        }

        /** Lower-case name for metrics labels and JSON. */
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** What a finished request tells the breaker. */
    public enum Outcome {
        SUCCESS, FAILURE, NEUTRAL
    }

    /** Told of each state change (on the policy thread). */
    @FunctionalInterface
    public interface Transitions {
        void changed(Worker w, State from, State to);
    }

    private volatile State state = State.CLOSED;
    private volatile int consecutiveFailures;
    private volatile int consecutiveSuccesses;
    private long streakStartNanos;
    private long openedAtNanos;
    private int probesInFlight;

    CircuitBreaker() {}

    public State state() {
        return state;
    }

    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    public int consecutiveSuccesses() {
        return consecutiveSuccesses;
    }

    /**
     * True when the worker may be chosen now (policy thread). An open breaker whose timeout has
     * passed turns half-open here; a half-open one admits while fewer than {@code successThreshold}
     * probes are in flight.
     */
    public boolean admits(Worker w, long now, ResilienceSettings.Breaker s, Transitions t) {
        State st = state;
        if (st == State.CLOSED) {
            return true;
        }
        if (st == State.OPEN) {
            if (now - openedAtNanos < s.timeout().toNanos()) {
                return false;
            }
            move(w, State.HALF_OPEN, t);
            probesInFlight = 0;
            consecutiveSuccesses = 0;
        }
        return probesInFlight < s.successThreshold();
    }

    /** A request was dispatched to the worker (policy thread). */
    public void dispatched() {
        if (state == State.HALF_OPEN) {
            probesInFlight++;
        }
    }

    /** A request to the worker ended with {@code o} (policy thread). */
    public void record(Worker w, Outcome o, long now, ResilienceSettings.Breaker s, Transitions t) {
        if (probesInFlight > 0) {
            probesInFlight--;
        }
        switch (o) {
            case SUCCESS -> {
                consecutiveFailures = 0;
                consecutiveSuccesses = consecutiveSuccesses + 1;
                if (state == State.HALF_OPEN && consecutiveSuccesses >= s.successThreshold()) {
                    move(w, State.CLOSED, t);
                }
            }
            case FAILURE -> {
                consecutiveSuccesses = 0;
                if (consecutiveFailures == 0 || now - streakStartNanos > s.window().toNanos()) {
                    streakStartNanos = now;
                    consecutiveFailures = 0;
                }
                consecutiveFailures = consecutiveFailures + 1;
                if (state == State.HALF_OPEN
                        || (state == State.CLOSED && consecutiveFailures >= s.failureThreshold())) {
                    openedAtNanos = now;
                    move(w, State.OPEN, t);
                }
            }
            default -> { }
        }
    }

    private void move(Worker w, State to, Transitions t) {
        State from = state;
        state = to;
        if (to == State.CLOSED) {
            consecutiveFailures = 0;
        }
        t.changed(w, from, to);
    }
}
