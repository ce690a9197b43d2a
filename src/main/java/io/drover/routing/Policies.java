package io.drover.routing;

import io.drover.workers.Worker;
import java.util.List;
import java.util.SplittableRandom;
import java.util.logging.Logger;

/**
 * The load-balancing policies of this release, by SMG name: {@code random}, {@code round_robin},
 * {@code power_of_two} (on gateway in-flight counts) and {@code passthrough}. Each instance is used
 * only by the policy thread.
 */
public final class Policies {
    private Policies() {}

    /** Creates the policy named {@code name}; throws {@link IllegalArgumentException} for others. */
    public static Policy create(String name) {
        return switch (name) {
            case "random" -> new RandomPolicy(new SplittableRandom());
            case "round_robin" -> new RoundRobinPolicy();
            case "power_of_two" -> new PowerOfTwoPolicy(new SplittableRandom());
            case "passthrough" -> new PassthroughPolicy();
            default -> throw new IllegalArgumentException("unknown policy: " + name);
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
     * Two distinct random candidates; the one with fewer requests in flight wins, the first on a
     * tie (SMG compares backend token usage when it has load snapshots; that arrives with load
     * polling).
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
            int a = random.nextInt(n);
            int b = random.nextInt(n - 1);
            if (b >= a) {
                b++;
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
