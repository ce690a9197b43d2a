package io.drover.routing;

/**
 * Makes the policy instance of each model (SMG keeps one policy per model), so that stateful
 * policies — round-robin counters, sticky keys, hash rings — are per model. Called only by the
 * policy thread.
 */
public interface PolicyFactory {
    /** The SMG name of the policies this factory makes. */
    String name();

    /** True when its policies need the request's routing text. */
    boolean needsText();

    /** A fresh policy for {@code model} ({@code ""} for requests that name none). */
    Policy create(String model);

    /** A sticky (manual) policy for {@code --routing-key-override}, or null when that is off. */
    default Policy createOverride(String model) {
        return null;
    }
}
