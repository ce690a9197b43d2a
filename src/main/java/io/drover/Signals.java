package io.drover;

import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT handling: the first signal starts {@code drain} on its own thread (so the
 * process can exit 0 after draining, which a JVM shutdown hook cannot); a second signal exits at once.
 */
final class Signals {
    private Signals() {}

    static void onTerminate(Runnable drain) {
        AtomicBoolean started = new AtomicBoolean();
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), s -> {
                if (started.compareAndSet(false, true)) {
                    Thread t = new Thread(drain, "drover-shutdown");
                    t.start();
                } else {
                    Runtime.getRuntime().halt(1);
                }
            });
        }
    }
}
