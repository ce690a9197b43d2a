package io.drover.routing;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import io.drover.config.ResilienceSettings;
import io.drover.workers.CircuitBreaker;
import io.drover.workers.Worker;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The routing engine: an LMAX Disruptor ring with many publishers (request threads, the registry)
 * and one consumer, the <em>policy thread</em>, which alone owns the routing state — the per-model
 * candidate table, the policy's own state and every worker's load counters. A request thread
 * publishes a {@link RouteRequest} and parks until the policy thread answers; the end of a response
 * is published as a release without waiting. Uses a parking wait strategy ({@link ParkingWaitStrategy}; a busy-spinning
 * consumer would take one of two cores from the request threads).
 *
 * <p>Circuit breakers live here too: the end of a response carries its outcome, which the policy
 * thread records in the worker's {@link CircuitBreaker}; a worker whose breaker is open is not a
 * candidate, and a retry passes over the workers the request already failed on. Filtering
 * allocates only while some candidate is excluded.
 *
 * <p>Admission and other policies plug in here: a new decision input goes into
 * {@link RouteRequest}, a new policy implements {@link Policy}; the request path does not change.
 */
public final class RoutingEngine implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RoutingEngine.class.getName());
    private static final int RING_SIZE = 8192;

    private static final ResilienceSettings.Breaker DISABLED_BREAKER = new ResilienceSettings.Breaker(1, 1,
            java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1), true);

    private final PolicyFactory factory;
    private final ResilienceSettings.Breaker breaker;
    private final CircuitBreaker.Transitions transitions;
    private final Disruptor<RoutingEvent> disruptor;
    private final RingBuffer<RoutingEvent> ring;
    private volatile boolean running;

    // state owned by the policy thread
    private final Worker.LoadCounters load = Worker.newLoadCounters();
    private final java.util.HashMap<String, Policy> policies = new java.util.HashMap<>();
    private final java.util.HashMap<String, Policy> overrides = new java.util.HashMap<>();
    private List<Worker> workers = List.of();
    private RoutingTable table = RoutingTable.empty();
    private final java.util.concurrent.ScheduledExecutorService ticker;

    /** An engine whose every model uses one stateless-per-model policy (tests). */
    public RoutingEngine(Policy policy) {
        this(single(policy), null);
    }

    /** As {@link #RoutingEngine(Policy)}, with circuit breakers (tests). */
    public RoutingEngine(Policy policy, ResilienceSettings.Breaker breaker, CircuitBreaker.Transitions transitions) {
        this(single(policy), null, breaker, transitions);
    }

    private static PolicyFactory single(Policy policy) {
        return new PolicyFactory() {
            @Override
            public String name() {
                return policy.name();
            }

            @Override
            public boolean needsText() {
                return policy.needsText();
            }

            @Override
            public Policy create(String model) {
                return policy;
            }
        };
    }

    /**
     * @param factory       makes each model's policy
     * @param tickInterval  how often policies get {@link Policy#onTick} (null = never)
     */
    public RoutingEngine(PolicyFactory factory, java.time.Duration tickInterval) {
        this(factory, tickInterval, DISABLED_BREAKER, (w, from, to) -> { });
    }

    /**
     * @param breaker      circuit-breaker settings ({@code disabled} = every Ready worker is a candidate)
     * @param transitions  told of every breaker state change, on the policy thread; must not block
     */
    public RoutingEngine(PolicyFactory factory, java.time.Duration tickInterval, ResilienceSettings.Breaker breaker,
                         CircuitBreaker.Transitions transitions) {
        this.factory = factory;
        this.breaker = breaker;
        this.transitions = transitions;
        this.disruptor = new Disruptor<>(RoutingEvent::new, RING_SIZE, r -> {
            Thread t = new Thread(r, "drover-policy");
            t.setDaemon(true);
            return t;
        }, ProducerType.MULTI, new ParkingWaitStrategy());
        this.disruptor.handleEventsWith(new Handler());
        this.disruptor.setDefaultExceptionHandler(new Failures());
        this.ring = disruptor.getRingBuffer();
        if (tickInterval != null) {
            ticker = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "drover-policy-ticker");
                t.setDaemon(true);
                return t;
            });
            long ms = Math.max(100, tickInterval.toMillis());
            ticker.scheduleWithFixedDelay(this::tick, ms, ms, TimeUnit.MILLISECONDS);
        } else {
            ticker = null;
        }
    }

    private void tick() {
        if (running) {
            ring.publishEvent((e, seq) -> e.type = RoutingEvent.TICK);
        }
    }

    /** Starts the policy thread. */
    public RoutingEngine start() {
        disruptor.start();
        running = true;
        return this;
    }

    /** The SMG name of the policy in use. */
    public String policyName() {
        return factory.name();
    }

    /** True when the policy needs the request's routing text. */
    public boolean needsText() {
        return factory.needsText();
    }

    /**
     * Asks for a worker and waits for the answer (called on a request thread). When the outcome
     * is ROUTED the worker's in-flight count has been raised: the caller must {@link #release} it
     * once the response has ended or the client has left.
     */
    public RouteRequest.Outcome route(RouteRequest request) {
        if (!running) {
            return RouteRequest.Outcome.ENGINE_UNAVAILABLE;
        }
        ring.publishEvent((e, seq, r) -> {
            e.type = RoutingEvent.ROUTE;
            e.request = r;
        }, request);
        return request.await();
    }

    /** Ends a dispatch of {@code worker}: lowers its in-flight count (any thread; does not wait). */
    public void release(Worker worker) {
        release(worker, CircuitBreaker.Outcome.NEUTRAL);
    }

    /**
     * Ends a dispatch of {@code worker} and tells its circuit breaker how the request went (any
     * thread; does not wait).
     */
    public void release(Worker worker, CircuitBreaker.Outcome outcome) {
        if (!running) {
            return;
        }
        ring.publishEvent((e, seq, w, o) -> {
            e.type = RoutingEvent.RELEASE;
            e.worker = w;
            e.outcome = o;
        }, worker, outcome);
    }

    /** Hands the policy thread a new registry snapshot (any thread; does not wait). */
    public void workersChanged(List<Worker> snapshot) {
        ring.publishEvent((e, seq, s) -> {
            e.type = RoutingEvent.WORKERS;
            e.workers = s;
        }, snapshot);
    }

    /** Stops the policy thread after the events already published. */
    @Override
    public void close() {
        running = false;
        if (ticker != null) {
            ticker.shutdownNow();
        }
        try {
            disruptor.shutdown(2, TimeUnit.SECONDS);
        } catch (com.lmax.disruptor.TimeoutException e) {
            disruptor.halt();
        }
    }

    private final class Handler implements EventHandler<RoutingEvent> {
        @Override
        public void onEvent(RoutingEvent e, long sequence, boolean endOfBatch) {
            try {
                switch (e.type) {
                    case RoutingEvent.ROUTE -> decide(e.request);
                    case RoutingEvent.RELEASE -> {
                        load.released(e.worker);
                        if (!breaker.disabled() && e.outcome != null) {
                            e.worker.breaker().record(e.worker, e.outcome, System.nanoTime(), breaker, transitions);
                        }
                    }
                    case RoutingEvent.WORKERS -> {
                        workers = e.workers;
                        table = RoutingTable.of(e.workers);
                        policies.values().forEach(p -> p.onWorkersChanged(workers));
                        overrides.values().forEach(p -> p.onWorkersChanged(workers));
                    }
                    case RoutingEvent.TICK -> {
                        long now = System.nanoTime();
                        policies.values().forEach(p -> p.onTick(now));
                        overrides.values().forEach(p -> p.onTick(now));
                    }
                    default -> { }
                }
            } finally {
                e.clear();
            }
        }

        private void decide(RouteRequest r) {
            Worker chosen = null;
            RouteRequest.Outcome outcome;
            try {
                Worker[] c = table.candidates(r.model());
                if (c.length == 0) {
                    outcome = table.whyNone(r.model());
                } else {
                    c = usable(c, r.avoided());
                    Policy policy = c.length == 0 ? null : policyFor(r);
                    int i = policy == null ? -1 : policy.select(c, r);
                    if (c.length == 0) {
                        outcome = RouteRequest.Outcome.ALL_CIRCUITS_OPEN;
                    } else if (i < 0 || i >= c.length) {
                        outcome = RouteRequest.Outcome.REFUSED;
                    } else {
                        chosen = c[i];
                        load.dispatched(chosen);
                        chosen.breaker().dispatched();
                        outcome = RouteRequest.Outcome.ROUTED;
                    }
                }
            } catch (RuntimeException ex) {
                LOG.log(Level.SEVERE, "policy " + factory.name() + " failed", ex);
                outcome = RouteRequest.Outcome.ENGINE_UNAVAILABLE;
            }
            r.complete(outcome, chosen);
        }
    }

    /** The policy of the request's model; with --routing-key-override, a sticky one for keyed requests. */
    private Policy policyFor(RouteRequest r) {
        String model = r.model() == null ? "" : r.model();
        if (r.routingKey() != null) {
            Policy o = overrides.get(model);
            if (o == null && !overrides.containsKey(model)) {
                o = factory.createOverride(model);
                if (o != null) {
                    o.onWorkersChanged(workers);
                }
                overrides.put(model, o);
            }
            if (o != null) {
                return o;
            }
        }
        Policy p = policies.get(model);
        if (p == null) {
            p = factory.create(model);
            p.onWorkersChanged(workers);
            policies.put(model, p);
        }
        return p;
    }

    /**
     * The candidates whose breaker admits a request, less those in {@code avoid} while any other is
     * left; {@code c} itself (no allocation) when none is excluded; empty when every breaker is open.
     */
    private Worker[] usable(Worker[] c, Worker[] avoid) {
        if (breaker.disabled() && avoid.length == 0) {
            return c;
        }
        long now = System.nanoTime();
        int admitted = 0;
        int kept = 0;
        long admittedMask = 0; // candidates beyond 64 are re-checked below without the mask
        for (int i = 0; i < c.length; i++) {
            if (breaker.disabled() || c[i].breaker().admits(c[i], now, breaker, transitions)) {
                admitted++;
                if (i < 64) {
                    admittedMask |= 1L << i;
                }
                if (!contains(avoid, c[i])) {
                    kept++;
                }
            }
        }
        if (kept == c.length) {
            return c;
        }
        boolean useAvoid = kept > 0;
        Worker[] out = new Worker[useAvoid ? kept : admitted];
        int n = 0;
        for (int i = 0; i < c.length && n < out.length; i++) {
            boolean ok = i < 64 ? (admittedMask & (1L << i)) != 0
                    : breaker.disabled() || c[i].breaker().admits(c[i], now, breaker, transitions);
            if (ok && (!useAvoid || !contains(avoid, c[i]))) {
                out[n++] = c[i];
            }
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    private static boolean contains(Worker[] a, Worker w) {
        for (Worker x : a) {
            if (x == w) {
                return true;
            }
        }
        return false;
    }

    private static final class Failures implements ExceptionHandler<RoutingEvent> {
        @Override
        public void handleEventException(Throwable ex, long sequence, RoutingEvent event) {
            LOG.log(Level.SEVERE, "routing event failed", ex);
            if (event.request != null) {
                event.request.complete(RouteRequest.Outcome.ENGINE_UNAVAILABLE, null);
            }
        }

        @Override
        public void handleOnStartException(Throwable ex) {
            LOG.log(Level.SEVERE, "policy thread failed to start", ex);
        }

        @Override
        public void handleOnShutdownException(Throwable ex) {
            LOG.log(Level.WARNING, "policy thread shutdown", ex);
        }
    }
}
