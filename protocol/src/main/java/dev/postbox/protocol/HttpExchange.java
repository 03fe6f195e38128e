package dev.postbox.protocol;

import java.util.Locale;
import java.util.Map;

/**
 * The parts of an HTTP request the protocol layer reads, and the response it produces; no HTTP library types.
 */
public final class HttpExchange {
    private HttpExchange() {
    }

    /**
     * A request's headers, looked up by name. The protocol layer reads a handful of them per request, so the HTTP
     * layer hands over a view of what it parsed rather than a copy of every header.
     */
    @FunctionalInterface
    public interface Headers {
        /** The header's value, or null when absent; the name is matched ignoring case. */
        String get(String name);

        /** Headers from a map whose keys are lower-case. */
        static Headers ofLowerCase(Map<String, String> lowerCaseNames) {
            return name -> lowerCaseNames.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /**
     * @param remoteAddress the client's IP address, or null when unknown
     * @param secure        whether the request came over TLS
     */
    public record Request(String method, String path, String rawQuery, Headers headers, byte[] body,
                          String remoteAddress, boolean secure) {
        public Request(String method, String path, String rawQuery, Headers headers, byte[] body) {
            this(method, path, rawQuery, headers, body, null, false);
        }

        public String header(String name) {
            return headers.get(name);
        }
    }

    public record Response(int status, String contentType, Map<String, String> headers, byte[] body) {
    }
}
