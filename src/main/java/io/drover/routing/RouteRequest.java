package io.drover.routing;

import io.drover.workers.Worker;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One request's question to the routing engine and, once decided, its answer. Created by the
 * request thread, which publishes it on the ring and parks in {@link #await}; the policy thread
 * fills in the decision and unparks it. The fields the policy reads are final and set before
 * publication; the decision is published through the volatile {@code done} flag.
 */
public final class RouteRequest {
    /** How a routing question was answered. */
    public enum Outcome {
        /** A worker was chosen: {@link #worker()}. */
        ROUTED,
        /** Workers are registered but none serves the model. */
        NO_SUCH_MODEL,
        /** Workers serve the model (or none is registered), but none is Ready. */
        NO_HEALTHY_WORKER,
        /** The policy found no worker for this request (e.g. an x-smg-target-worker out of range). */
        REFUSED,
        /** The routing engine could not answer (stopped or failed). */
        ENGINE_UNAVAILABLE,
        /** Ready workers serve the model but the circuit breaker of every one of them is open. */
        ALL_CIRCUITS_OPEN
    }

    private static final Worker[] NO_WORKERS = new Worker[0];
    private static final long AWAIT_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final String model;
    private final String routingKey;
    private final String text;
    private final int[] tokens;
    private final String targetWorker;
    private final String implicitKey;
    private final Thread waiter;

    private Worker[] avoid = NO_WORKERS;
    private Worker worker;
    private Outcome outcome;
    private volatile boolean done;

    /**
     * @param model       requested model id (after alias resolution), or null for any
     * @param routingKey  the {@code x-smg-routing-key} header, or null
     * @param text        routing text for prefix-aware policies, or null when the policy needs none
     */
    public RouteRequest(String model, String routingKey, String text) {
        this(model, routingKey, text, null, null, null);
    }

    /**
     * @param tokens        routing token ids, or null
     * @param targetWorker  the {@code x-smg-target-worker} header, or null
     * @param implicitKey   a stickiness key from the request's identity (authorization, then
     *                      x-forwarded-for, then cookie), or null
     */
    public RouteRequest(String model, String routingKey, String text, int[] tokens, String targetWorker,
                        String implicitKey) {
        this.model = model;
        this.routingKey = routingKey;
        this.text = text;
        this.tokens = tokens;
        this.targetWorker = targetWorker;
        this.implicitKey = implicitKey;
        this.waiter = Thread.currentThread();
    }

    public String model() {
        return model;
    }

    public String routingKey() {
        return routingKey;
    }

    public String text() {
        return text;
    }

    /**
     * Workers this request already failed on (a retry): the policy thread passes over them while
     * another candidate is left. Set by the request thread before the request is published.
     */
    public RouteRequest avoid(Worker[] failed) {
        this.avoid = failed;
        return this;
    }

    /** Workers to pass over; empty for a first attempt. */
    public Worker[] avoided() {
        return avoid;
    }

    public int[] tokens() {
        return tokens;
    }

    public String targetWorker() {
        return targetWorker;
    }

    public String implicitKey() {
        return implicitKey;
    }

    /** The chosen worker when {@link #outcome()} is ROUTED. */
    public Worker worker() {
        return worker;
    }

    public Outcome outcome() {
        return outcome;
    }

    /** Called once, on the policy thread. */
    void complete(Outcome o, Worker w) {
        this.outcome = o;
        this.worker = w;
        this.done = true;
        LockSupport.unpark(waiter);
    }

    /** Parks the request thread until the decision is made; never longer than 10 s. */
    Outcome await() {
        long deadline = System.nanoTime() + AWAIT_LIMIT_NANOS;
        while (!done) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Outcome.ENGINE_UNAVAILABLE;
            }
            LockSupport.parkNanos(this, left);
        }
        return outcome;
    }
}
