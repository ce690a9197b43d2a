package io.drover.workers;

import java.util.List;

/** Builds workers in a chosen state for unit tests (package access to the status setter). */
public final class TestWorkers {
    private TestWorkers() {}

    public static Worker ready(String url, String... models) {
        Worker w = new Worker(url, WorkerSpec.of(url).withModels(List.of(models)));
        w.status(WorkerStatus.READY);
        return w;
    }

    public static Worker withStatus(String url, WorkerStatus s, String... models) {
        Worker w = new Worker(url, WorkerSpec.of(url).withModels(List.of(models)));
        w.status(s);
        return w;
    }

    /** Sets a worker's load report. */
    public static void report(Worker w, LoadSnapshot s) {
        w.load(s);
    }
}
