package io.drover.workers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.config.ResilienceSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
    private static final ResilienceSettings.Breaker S =
            new ResilienceSettings.Breaker(3, 2, Duration.ofSeconds(10), Duration.ofSeconds(60), false);
    private static final long SEC = 1_000_000_000L;

    private final Worker w = TestWorkers.ready("http://w", "m");
    private final CircuitBreaker b = w.breaker();
    private final List<String> moves = new ArrayList<>();
    private final CircuitBreaker.Transitions t = (x, from, to) -> moves.add(from.wireName() + ">" + to.wireName());

    private void fail(long now) {
        b.record(w, CircuitBreaker.Outcome.FAILURE, now, S, t);
    }

    private void ok(long now) {
        b.record(w, CircuitBreaker.Outcome.SUCCESS, now, S, t);
    }

    @Test
    void opensAfterConsecutiveFailuresAndASuccessResetsTheStreak() {
        fail(0);
        fail(1);
        ok(2);
        fail(3);
        fail(4);
        assertEquals(CircuitBreaker.State.CLOSED, b.state());
        assertEquals(2, b.consecutiveFailures());
        fail(5);
        assertEquals(CircuitBreaker.State.OPEN, b.state());
        assertFalse(b.admits(w, 6, S, t));
        assertEquals(List.of("closed>open"), moves);
    }

    @Test
    void neutralOutcomesChangeNothing() {
        for (int i = 0; i < 50; i++) {
            b.record(w, CircuitBreaker.Outcome.NEUTRAL, i, S, t);
        }
        fail(100);
        fail(101);
        b.record(w, CircuitBreaker.Outcome.NEUTRAL, 102, S, t);
        assertEquals(2, b.consecutiveFailures());
        assertEquals(CircuitBreaker.State.CLOSED, b.state());
    }

    @Test
    void aStreakOlderThanTheWindowStartsOver() {
        fail(0);
        fail(SEC);
        fail(61 * SEC); // the streak began 61 s ago: this failure starts a new one
        assertEquals(1, b.consecutiveFailures());
        assertEquals(CircuitBreaker.State.CLOSED, b.state());
    }

    @Test
    void halfOpenAdmitsABoundedNumberOfProbesThenClosesOrReopens() {
        fail(0);
        fail(0);
        fail(0);
        assertFalse(b.admits(w, 9 * SEC, S, t), "still open before the timeout");
        assertTrue(b.admits(w, 10 * SEC, S, t));
        assertEquals(CircuitBreaker.State.HALF_OPEN, b.state());
        b.dispatched();
        assertTrue(b.admits(w, 10 * SEC, S, t));
        b.dispatched();
        assertFalse(b.admits(w, 10 * SEC, S, t), "success_threshold probes are in flight");
        ok(11 * SEC);
        assertEquals(CircuitBreaker.State.HALF_OPEN, b.state());
        assertTrue(b.admits(w, 11 * SEC, S, t), "a probe finished: room for another");
        ok(11 * SEC);
        assertEquals(CircuitBreaker.State.CLOSED, b.state());

        fail(20 * SEC);
        fail(20 * SEC);
        fail(20 * SEC);
        assertTrue(b.admits(w, 30 * SEC, S, t));
        b.dispatched();
        fail(31 * SEC);
        assertEquals(CircuitBreaker.State.OPEN, b.state(), "a failed probe reopens");
        assertFalse(b.admits(w, 32 * SEC, S, t));
        assertEquals(List.of("closed>open", "open>half_open", "half_open>closed", "closed>open", "open>half_open",
                "half_open>open"), moves);
    }
}
