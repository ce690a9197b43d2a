package io.drover.ingress;

/** Opens package-private helpers of the ingress to tests in other packages. */
public final class InferenceRoutesAccess {
    private InferenceRoutesAccess() {}

    public static byte[] withDpRank(byte[] body, int rank) {
        return InferenceRoutes.withDpRank(body, rank);
    }
}
