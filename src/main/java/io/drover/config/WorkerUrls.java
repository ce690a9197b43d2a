package io.drover.config;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/** Validation and normalisation of worker URLs given on the command line or the API. Stateless. */
public final class WorkerUrls {
    private WorkerUrls() {}

    /** Returns why {@code url} is not a usable HTTP worker URL, or empty when it is. */
    public static Optional<String> validate(String url) {
        if (url == null || url.isBlank()) {
            return Optional.of("worker url is empty");
        }
        String n = normalize(url);
        try {
            URI u = URI.create(n);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (scheme.equals("grpc") || scheme.equals("grpcs")) {
                return Optional.of("'" + url + "': gRPC workers are not supported by Drover yet (HTTP only)");
            }
            if (!scheme.equals("http") && !scheme.equals("https")) {
                return Optional.of("'" + url + "': scheme must be http or https");
            }
            if (u.getHost() == null || u.getHost().isEmpty()) {
                return Optional.of("'" + url + "': no host");
            }
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of("'" + url + "' is not a valid URL");
        }
    }

    /** Adds {@code http://} to a bare {@code host:port} and drops a trailing slash. */
    public static String normalize(String url) {
        String u = url.trim();
        if (!u.contains("://")) {
            u = "http://" + u;
        }
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        return u;
    }
}
