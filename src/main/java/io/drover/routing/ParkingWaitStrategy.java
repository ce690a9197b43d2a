package io.drover.routing;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.WaitStrategy;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A blocking wait strategy for a ring with one consumer: the consumer spins briefly, then parks;
 * a publisher unparks it only when it is parked. Unlike Disruptor's lock-based blocking strategy,
 * publishers never contend for a monitor (on 2 cores and many publishers that contention, with the
 * JVM's spinning on monitor entry, cost more CPU than the routing decisions themselves), and an
 * idle gateway burns no CPU: the consumer sleeps until work arrives.
 *
 * <p>Threading: {@link #waitFor} is called only by the single consumer thread; {@link
 * #signalAllWhenBlocking} by any publishing thread.
 */
final class ParkingWaitStrategy implements WaitStrategy {
    private static final int SPINS = 200;
    private static final long PARK_LIMIT_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private volatile Thread parked;

    @Override
    public long waitFor(long sequence, Sequence cursor, Sequence dependentSequence, SequenceBarrier barrier)
            throws AlertException {
        long available;
        int spins = SPINS;
        while ((available = dependentSequence.get()) < sequence) {
            barrier.checkAlert();
            if (spins > 0) {
                spins--;
                Thread.onSpinWait();
                continue;
            }
            parked = Thread.currentThread();
            // re-check after announcing, so a publish between the check and the park is not missed
            if (dependentSequence.get() < sequence) {
                LockSupport.parkNanos(this, PARK_LIMIT_NANOS);
            }
            parked = null;
        }
        return available;
    }

    @Override
    public void signalAllWhenBlocking() {
        Thread t = parked;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }
}
