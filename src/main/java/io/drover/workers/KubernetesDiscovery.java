package io.drover.workers;

import io.drover.config.ResilienceSettings;
import io.drover.observability.ResilienceMetrics;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Kubernetes service discovery, as SMG's {@code --service-discovery}: an informer watches the pods
 * matching {@code --selector} (pushed down to the API server) in one namespace or all; each pod
 * that is Running, Ready and not being deleted becomes one worker per port of its
 * {@code smg.ai/worker-ports} annotation (a comma-separated list), else of
 * {@code --service-discovery-port}, at {@code http://podIP:port}. Every change reconciles the
 * desired set with the workers this class registered: new ones are registered (and probed), gone
 * ones — pod deleted, being deleted, no longer Ready or Running — are removed, which drains them.
 * Workers registered by other means are never touched.
 *
 * <p>Threading: the informer delivers events on its own thread; {@link #reconcile} is serialised
 * by a lock (not on any request path) and calls the registry, whose mutations are locked too.
 */
public final class KubernetesDiscovery implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(KubernetesDiscovery.class.getName());
    /** Annotation listing a pod's worker ports. */
    public static final String PORTS_ANNOTATION = "smg.ai/worker-ports";
    private static final long RESYNC_MS = 60_000;
    private static final String SOURCE = "kubernetes";

    private final KubernetesClient client;
    private final ResilienceSettings.Discovery settings;
    private final WorkerRegistry registry;
    private final Consumer<Worker> onRegistered;
    private final ResilienceMetrics metrics;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Worker> mine = new HashMap<>(); // url -> worker registered here; under lock
    private SharedIndexInformer<Pod> informer;

    /**
     * @param onRegistered called for each worker this class registers (the health monitor's first probe)
     */
    public KubernetesDiscovery(KubernetesClient client, ResilienceSettings.Discovery settings, WorkerRegistry registry,
                               Consumer<Worker> onRegistered, ResilienceMetrics metrics) {
        this.metrics = metrics;
        this.client = client;
        this.settings = settings;
        this.registry = registry;
        this.onRegistered = onRegistered;
    }

    /** Lists the matching pods, registers the eligible ones and keeps watching. */
    public KubernetesDiscovery start() {
        var pods = settings.namespace() == null ? client.pods().inAnyNamespace()
                : client.pods().inNamespace(settings.namespace());
        var selected = settings.selector().isEmpty() ? pods : pods.withLabels(settings.selector());
        informer = selected.inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                reconcile();
            }

            @Override
            public void onUpdate(Pod before, Pod after) {
                reconcile();
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
                reconcile();
            }
        }, RESYNC_MS);
        reconcile();
        LOG.info(() -> "service discovery: watching pods " + (settings.selector().isEmpty() ? "(any labels)"
                : settings.selector()) + " in " + (settings.namespace() == null ? "all namespaces"
                : "namespace " + settings.namespace()) + "; " + discovered().size() + " worker(s) found");
        return this;
    }

    /** The URLs of the workers registered by discovery now. */
    public List<String> discovered() {
        lock.lock();
        try {
            return List.copyOf(mine.keySet());
        } finally {
            lock.unlock();
        }
    }

    /** Diffs the eligible pods against the workers registered here and applies the difference. */
    void reconcile() {
        if (informer == null) {
            return;
        }
        long t0 = System.nanoTime();
        lock.lock();
        try {
            Map<String, Pod> desired = new LinkedHashMap<>();
            for (Pod p : informer.getStore().list()) {
                if (eligible(p)) {
                    for (String url : urls(p, settings.port())) {
                        desired.put(url, p);
                    }
                }
            }
            for (var it = mine.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (!desired.containsKey(e.getKey())) {
                    it.remove();
                    if (registry.remove(e.getValue())) {
                        metrics.discoveryDeregistered(SOURCE, "pod_gone_or_not_ready");
                        LOG.info("service discovery: pod of " + e.getKey() + " is gone or not ready: draining it");
                    }
                }
            }
            for (var e : desired.entrySet()) {
                if (mine.containsKey(e.getKey())) {
                    continue;
                }
                Pod p = e.getValue();
                Map<String, String> labels = new LinkedHashMap<>();
                labels.put("pod_name", p.getMetadata().getName());
                labels.put("pod_namespace", String.valueOf(p.getMetadata().getNamespace()));
                if (p.getMetadata().getUid() != null) {
                    labels.put("pod_uid", p.getMetadata().getUid());
                }
                WorkerSpec spec = new WorkerSpec(e.getKey(), List.of(), null, labels, 50, 1.0, "regular",
                        "unspecified");
                try {
                    Worker w = registry.register(spec);
                    mine.put(e.getKey(), w);
                    onRegistered.accept(w);
                    metrics.discoveryRegistered(SOURCE, "success");
                    LOG.info("service discovery: registered " + e.getKey() + " (pod " + p.getMetadata().getName()
                            + ")");
                } catch (WorkerRegistry.DuplicateWorkerException dup) {
                    LOG.fine(() -> "service discovery: " + e.getKey() + " is already registered");
                }
            }
            metrics.discoverySynced(SOURCE, System.nanoTime() - t0, mine.size());
        } finally {
            lock.unlock();
        }
    }

    /** Running, Ready, not being deleted, with an IP. */
    static boolean eligible(Pod p) {
        if (p.getMetadata() == null || p.getMetadata().getDeletionTimestamp() != null || p.getStatus() == null) {
            return false;
        }
        if (!"Running".equals(p.getStatus().getPhase()) || p.getStatus().getPodIP() == null
                || p.getStatus().getPodIP().isEmpty()) {
            return false;
        }
        List<PodCondition> conditions = p.getStatus().getConditions();
        if (conditions == null) {
            return false;
        }
        for (PodCondition c : conditions) {
            if ("Ready".equals(c.getType())) {
                return "True".equals(c.getStatus());
            }
        }
        return false;
    }

    /** The worker URLs of a pod: one per annotated port, else one on {@code defaultPort}. */
    static List<String> urls(Pod p, int defaultPort) {
        String ip = p.getStatus().getPodIP();
        String host = ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip;
        Map<String, String> ann = p.getMetadata().getAnnotations();
        String ports = ann == null ? null : ann.get(PORTS_ANNOTATION);
        List<String> out = new ArrayList<>();
        if (ports == null || ports.isBlank()) {
            out.add("http://" + host + ":" + defaultPort);
            return out;
        }
        for (String s : ports.split(",")) {
            try {
                int port = Integer.parseInt(s.trim());
                if (port < 1 || port > 65535) {
                    throw new NumberFormatException(s);
                }
                out.add("http://" + host + ":" + port);
            } catch (NumberFormatException e) {
                LOG.warning("service discovery: pod " + p.getMetadata().getName() + " has a bad " + PORTS_ANNOTATION
                        + " entry '" + s + "'; ignored");
            }
        }
        return out;
    }

    /** Stops watching; the workers found stay registered. */
    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
    }
}
