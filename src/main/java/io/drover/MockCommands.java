package io.drover;

import java.util.List;

/** Bridges the launcher to the bundled mock worker (mock-worker/). Main thread only. */
final class MockCommands {
    private MockCommands() {}

    /** A started mock fleet: its URLs and how to stop it. */
    record Fleet(List<String> urls, AutoCloseable closer) {}

    static int runMockWorker(String[] args) {
        return new picocli.CommandLine(new io.drover.mock.MockWorkerCommand()).execute(args);
    }

    static Fleet startFleet(int n) throws java.io.IOException {
        var fleet = io.drover.mock.MockFleet.start(io.drover.mock.MockWorkerOptions.builder()
                .httpBasePort(0).httpCount(n).build());
        return new Fleet(fleet.urls(), fleet);
    }
}
