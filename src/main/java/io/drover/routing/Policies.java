package io.drover.routing;

import io.drover.config.RoutingSettings;
import io.drover.routing.prefix.PrefixIndex;
import io.drover.workers.Worker;
import java.util.List;
import java.util.SplittableRandom;
import java.util.logging.Logger;

/**
 * The load-balancing policies by SMG name: {@code random}, {@code round_robin}, {@code power_of_two}
 * and {@code passthrough} here; {@code cache_aware}, {@code least_load}, {@code prefix_hash},
 * {@code consistent_hashing}, {@code manual} and {@code bucket} in their own classes. Each instance
 * is used only by the policy thread.
 */
public final class Policies {
    private Policies() {}

    /** Creates the policy named {@code name} with default settings and no prefix index (tests). */
    public static Policy create(String name) {
        return switch (name) {
            case "random" -> new RandomPolicy(new SplittableRandom());
            case "round_robin" -> new RoundRobinPolicy();
            case "power_of_two" -> new PowerOfTwoPolicy(new SplittableRandom());
            case "passthrough" -> new PassthroughPolicy();
            default -> throw new IllegalArgumentException("unknown policy: " + name);
        };
    }

    /**
     * The factory of the policy named {@code name} (SMG's names).
     *
     * @param index  the prefix index (used by cache_aware; may be null for other policies)
     */
    public static PolicyFactory factory(String name, RoutingSettings s, PrefixIndex index) {
        if (name.equals("cache_aware") && index == null) {
            throw new IllegalArgumentException("cache_aware needs a prefix index");
        }
        return new PolicyFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public boolean needsText() {
                return switch (name) {
                    case "cache_aware", "prefix_hash", "bucket", "least_load" -> true;
                    default -> false;
                };
            }

            @Override
            public Policy create(String model) {
                return switch (name) {
                    case "random", "round_robin", "power_of_two", "passthrough" -> Policies.create(name);
                    case "cache_aware" -> new CacheAwarePolicy(s, index, model);
                    case "least_load" -> new LeastLoadPolicy(s);
                    case "prefix_hash" -> new PrefixHashPolicy(model, s.prefixTokenCount(), s.prefixHashLoadFactor());
                    case "consistent_hashing" -> new ConsistentHashingPolicy(model);
                    case "manual" -> new ManualPolicy(s.assignmentMode(), s.maxIdle());
                    case "bucket" -> new BucketPolicy(s.balanceAbsThreshold(), s.balanceRelThreshold());
                    default -> throw new IllegalArgumentException("unknown policy: " + name);
                };
            }

            @Override
            public Policy createOverride(String model) {
                boolean sticky = name.equals("manual") || name.equals("consistent_hashing");
                return s.routingKeyOverride() && !sticky ? new ManualPolicy(s.assignmentMode(), s.maxIdle()) : null;
            }
        };
    }

    /** Uniformly random over the candidates. */
    static final class RandomPolicy implements Policy {
        private final SplittableRandom random;

        RandomPolicy(SplittableRandom random) {
            this.random = random;
        }

        @Override
        public String name() {
            return "random";
        }

        @Override
        public int select(Worker[] candidates, RouteRequest request) {
            return random.nextInt(candidates.length);
        }
    }

    /** A counter modulo the number of candidates. */
    static final class RoundRobinPolicy implements Policy {
        private long counter;

        @Override
        public String name() {
            return "round_robin";
        }

        @Override
        public int select(Worker[] candidates, RouteRequest request) {
            return (int) Long.remainderUnsigned(counter++, candidates.length);
        }
    }

    /**
     * Two distinct random candidates; the one with the lower reported KV usage wins when both have
     * a load report, else the one with fewer requests in flight; the first on a tie.
     */
    static final class PowerOfTwoPolicy implements Policy {
        private final SplittableRandom random;

        PowerOfTwoPolicy(SplittableRandom random) {
            this.random = random;
        }

        @Override
        public String name() {
            return "power_of_two";
        }

        @Override
        public int select(Worker[] candidates, RouteRequest request) {
            int n = candidates.length;
            if (n == 1) {
                return 0;
            }
            int a = random.nextInt(n);
            int b = random.nextInt(n - 1);
            if (b >= a) {
                b++;
            }
            var la = candidates[a].load();
            var lb = candidates[b].load();
            if (la != null && lb != null) { // both reported: compare KV usage, as SMG does
                return lb.tokenUsage() < la.tokenUsage() ? b : a;
            }
            return candidates[b].inFlight() < candidates[a].inFlight() ? b : a;
        }
    }

    /** The first Ready worker, for single-backend deployments; warns once if there are more. */
    static final class PassthroughPolicy implements Policy {
        private static final Logger LOG = Logger.getLogger(PassthroughPolicy.class.getName());
        private boolean warned;

        @Override
        public String name() {
            return "passthrough";
        }

        @Override
        public int select(Worker[] candidates, RouteRequest request) {
            return 0;
        }

        @Override
        public void onWorkersChanged(List<Worker> all) {
            if (all.size() > 1 && !warned) {
                warned = true;
                LOG.warning("passthrough policy with " + all.size()
                        + " workers: every request goes to the first Ready worker");
            }
        }
    }
}
