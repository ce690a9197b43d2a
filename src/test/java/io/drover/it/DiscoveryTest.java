package io.drover.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drover.config.GatewayConfig;
import io.drover.config.ResilienceSettings;
import io.drover.mock.MockFleet;
import io.drover.workers.Worker;
import io.drover.workers.WorkerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** --service-discovery against fabric8's Kubernetes mock server in CRUD mode. */
class DiscoveryTest {
    private static final String NS = "inference";
    private static final List<String> PROPS = List.of("kubernetes.master", "kubernetes.auth.tryKubeConfig",
            "kubernetes.auth.tryServiceAccount", "kubernetes.namespace");

    private KubernetesMockServer server;
    private KubernetesClient k8s;

    @BeforeEach
    void startServer() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        k8s = server.createClient();
        System.setProperty("kubernetes.master", k8s.getMasterUrl().toString());
        System.setProperty("kubernetes.auth.tryKubeConfig", "false");
        System.setProperty("kubernetes.auth.tryServiceAccount", "false");
        System.setProperty("kubernetes.namespace", NS);
    }

    @AfterEach
    void stopServer() {
        PROPS.forEach(System::clearProperty);
        k8s.close();
        server.destroy();
    }

    static Pod pod(String name, Map<String, String> labels, String phase, boolean ready, String ports) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace(NS).withLabels(labels)
                .withUid("uid-" + name).endMetadata()
                .withNewStatus().withPhase(phase).withPodIP("127.0.0.1")
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
                .endStatus();
        if (ports != null) {
            b.editMetadata().addToAnnotations("smg.ai/worker-ports", ports).endMetadata();
        }
        return b.build();
    }

    static int port(String url) {
        return Integer.parseInt(url.substring(url.lastIndexOf(':') + 1));
    }

    static Set<String> urls(Harness h, WorkerStatus status) {
        return h.gateway.registry().all().stream().filter(w -> status == null || w.status() == status)
                .map(Worker::url).collect(Collectors.toSet());
    }

    @Test
    void runningReadyPodsBecomeWorkersAndDeletedOnesDrain() throws Exception {
        try (MockFleet fleet = MockFleet.start(ResilienceTest.fleet(4))) {
            List<String> u = fleet.urls();
            Map<String, String> llm = Map.of("app", "llm");
            k8s.pods().inNamespace(NS).resource(pod("a", llm, "Running", true, port(u.get(0)) + "," + port(u.get(1))))
                    .create();
            k8s.pods().inNamespace(NS).resource(pod("b", llm, "Pending", false, String.valueOf(port(u.get(2)))))
                    .create();
            k8s.pods().inNamespace(NS).resource(pod("c", Map.of("app", "other"), "Running", true,
                    String.valueOf(port(u.get(3))))).create();
            var discovery = new ResilienceSettings.Discovery(true, llm, NS, 80);
            try (Harness h = Harness.withoutFleet(c -> c.withResilience(c.resilience().withDiscovery(discovery)
                    .withLifecycle(Duration.ofSeconds(60), false, Duration.ofMillis(300), -1))
                    .withHealth(new GatewayConfig.HealthSettings(Duration.ofMillis(200), Duration.ofSeconds(1),
                            "/health", 3, 1, false)))) {
                assertTrue(Harness.eventually(5000, () -> urls(h, WorkerStatus.READY)
                        .equals(Set.of(u.get(0), u.get(1)))), urls(h, null).toString());
                assertEquals(200, h.post("/v1/chat/completions", Harness.chat("mock-model", false)).statusCode());
                String m = ResilienceTest.metrics(h);
                assertTrue(m.contains("smg_discovery_registrations_total{result=\"success\",source=\"kubernetes\"} 2.0"), m);
                assertTrue(m.contains("smg_discovery_workers_discovered{source=\"kubernetes\"} 2.0"), m);
                Worker a0 = h.gateway.registry().all().get(0);
                assertEquals("a", a0.spec().labels().get("pod_name"));
                assertTrue(a0.spec().labels().get("pod_uid") != null, "the pod uid is kept as a label");

                // b turns Running and Ready: it joins
                Pod b = k8s.pods().inNamespace(NS).withName("b").get();
                b.getStatus().setPhase("Running");
                b.getStatus().getConditions().get(0).setStatus("True");
                k8s.pods().inNamespace(NS).resource(b).updateStatus();
                assertTrue(Harness.eventually(5000, () -> urls(h, WorkerStatus.READY).contains(u.get(2))),
                        urls(h, null).toString());

                // a is being deleted (deletionTimestamp set): its two workers drain, then go
                Pod a = k8s.pods().inNamespace(NS).withName("a").get();
                a.getMetadata().setDeletionTimestamp(Instant.now().toString());
                k8s.pods().inNamespace(NS).resource(a).update();
                assertTrue(Harness.eventually(5000, () -> !urls(h, WorkerStatus.READY).contains(u.get(0))
                        && !urls(h, WorkerStatus.READY).contains(u.get(1))), urls(h, null).toString());
                assertTrue(Harness.eventually(5000, () -> urls(h, null).equals(Set.of(u.get(2)))),
                        urls(h, null).toString());
                assertEquals(200, h.post("/v1/chat/completions", Harness.chat("mock-model", false)).statusCode());

                // b is deleted outright: nothing is left
                k8s.pods().inNamespace(NS).withName("b").delete();
                assertTrue(Harness.eventually(5000, () -> urls(h, null).isEmpty()), urls(h, null).toString());
                assertTrue(ResilienceTest.metrics(h).contains("smg_discovery_deregistrations_total{reason="
                        + "\"pod_gone_or_not_ready\",source=\"kubernetes\"} 3.0"));
                assertEquals(0, fleet.worker(3).requestCount(), "the pod outside the selector got nothing");
            }
        }
    }
}
