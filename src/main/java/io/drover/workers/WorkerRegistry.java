package io.drover.workers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The set of registered workers, indexed by id and URL. Mutations (register, update, remove, status
 * changes) are rare and serialised by a lock; each one publishes an immutable snapshot to the
 * listeners (the routing engine), on the mutating thread. Reads of {@link #all()} are lock-free.
 * A removed worker stays listed as Draining for its drain settle time (no new traffic, requests in
 * flight finish; its URL may be registered again meanwhile), then a virtual thread drops it.
 */
public final class WorkerRegistry {
    private final Duration drainSettle;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Worker> byId = new LinkedHashMap<>();
    private final Map<String, Worker> byUrl = new LinkedHashMap<>();
    private final List<Consumer<List<Worker>>> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Worker>> removalListeners = new CopyOnWriteArrayList<>();
    private volatile List<Worker> snapshot = List.of();

    /** A registry whose removed workers are dropped at once. */
    public WorkerRegistry() {
        this(Duration.ZERO);
    }

    /** A registry whose removed workers stay Draining for {@code drainSettle} (a spec may override it). */
    public WorkerRegistry(Duration drainSettle) {
        this.drainSettle = drainSettle;
    }

    /** Thrown when a worker with the same URL is already registered. */
    public static final class DuplicateWorkerException extends RuntimeException {
        private final transient Worker existing;

        DuplicateWorkerException(Worker existing) {
            super("worker " + existing.url() + " is already registered as " + existing.id());
            this.existing = existing;
        }

        public Worker existing() {
            return existing;
        }
    }

    /** Adds a listener that receives every new snapshot (and the current one at once). */
    public void addListener(Consumer<List<Worker>> l) {
        listeners.add(l);
        l.accept(snapshot);
    }

    /** Adds a listener told of each worker removed (after the new snapshot was published). */
    public void addRemovalListener(Consumer<Worker> l) {
        removalListeners.add(l);
    }

    /** Registers a worker in state Pending; the caller starts its first probe. */
    public Worker register(WorkerSpec spec) {
        lock.lock();
        try {
            Worker existing = byUrl.get(spec.url());
            if (existing != null) {
                throw new DuplicateWorkerException(existing);
            }
            Worker w = new Worker(UUID.randomUUID().toString(), spec);
            byId.put(w.id(), w);
            byUrl.put(w.url(), w);
            publish();
            return w;
        } finally {
            lock.unlock();
        }
    }

    /** Finds a worker that is not being removed by id, or by URL (as given, or normalised). */
    public Optional<Worker> find(String idOrUrl) {
        List<Worker> s = snapshot;
        String u = io.drover.config.WorkerUrls.normalize(idOrUrl);
        for (Worker w : s) {
            if (w.status() == WorkerStatus.DRAINING) {
                continue;
            }
            if (w.id().equals(idOrUrl) || w.url().equals(idOrUrl) || w.url().equals(u)) {
                return Optional.of(w);
            }
        }
        return Optional.empty();
    }

    /**
     * Removes a worker: Draining at once (no new traffic; in-flight requests finish), dropped after
     * its settle time. Returns false if it was not registered or is already draining.
     */
    public boolean remove(Worker w) {
        Duration settle = w.spec().health().drainSettle(drainSettle);
        lock.lock();
        try {
            if (!byId.containsKey(w.id()) || w.status() == WorkerStatus.DRAINING) {
                return false;
            }
            if (byUrl.get(w.url()) == w) {
                byUrl.remove(w.url());
            }
            w.status(WorkerStatus.DRAINING);
            if (settle.isZero()) {
                byId.remove(w.id());
            }
            publish();
            if (settle.isZero()) {
                removalListeners.forEach(l -> l.accept(w));
            }
        } finally {
            lock.unlock();
        }
        if (!settle.isZero()) {
            Thread.ofVirtual().name("drover-drain").start(() -> {
                try {
                    Thread.sleep(settle);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                drop(w);
            });
        }
        return true;
    }

    private void drop(Worker w) {
        lock.lock();
        try {
            if (byId.get(w.id()) == w) {
                byId.remove(w.id());
                publish();
                removalListeners.forEach(l -> l.accept(w));
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Replaces a worker by one logical worker per data-parallel rank, {@code url@0 .. url@n-1}, which
     * share its address and what it reported about itself ({@code --dp-aware}). Returns the ranks,
     * each Pending, for the caller to probe.
     */
    public List<Worker> splitIntoRanks(Worker base, int dpSize) {
        lock.lock();
        try {
            if (byId.remove(base.id()) == null) {
                return List.of();
            }
            byUrl.remove(base.url());
            List<Worker> ranks = new ArrayList<>(dpSize);
            for (int r = 0; r < dpSize; r++) {
                WorkerSpec s = base.spec();
                WorkerSpec rankSpec = new WorkerSpec(s.url() + "@" + r, s.models(), s.apiKey(), s.labels(),
                        s.priority(), s.cost(), s.workerType(), s.runtimeType(), s.health());
                Worker w = new Worker(UUID.randomUUID().toString(), rankSpec, base.url(), r);
                w.discoveredModels(base.models());
                w.runtime(base.runtime());
                w.metadata(base.metadata());
                byId.put(w.id(), w);
                byUrl.put(w.url(), w);
                ranks.add(w);
            }
            publish();
            removalListeners.forEach(l -> l.accept(base));
            return ranks;
        } finally {
            lock.unlock();
        }
    }

    /** Replaces a worker's spec (the URL stays). */
    public void update(Worker w, WorkerSpec spec) {
        lock.lock();
        try {
            w.spec(spec);
            publish();
        } finally {
            lock.unlock();
        }
    }

    /** Records a status change made by the health monitor and republishes. */
    void changed(Worker w, WorkerStatus status) {
        lock.lock();
        try {
            if (!byId.containsKey(w.id()) || w.status() == WorkerStatus.DRAINING) {
                return; // removed meanwhile
            }
            w.status(status);
            publish();
        } finally {
            lock.unlock();
        }
    }

    /** Republishes after discovered metadata (models, runtime) changed. */
    void metadataChanged(Worker w) {
        lock.lock();
        try {
            if (byId.containsKey(w.id())) {
                publish();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Every registered worker, in registration order. */
    public List<Worker> all() {
        return snapshot;
    }

    /** Workers currently Ready. */
    public int readyCount() {
        int n = 0;
        for (Worker w : snapshot) {
            if (w.isReady()) {
                n++;
            }
        }
        return n;
    }

    private void publish() {
        List<Worker> s = List.copyOf(new ArrayList<>(byId.values()));
        snapshot = s;
        for (Consumer<List<Worker>> l : listeners) {
            l.accept(s);
        }
    }
}
