package dev.postbox.protocol;

import java.util.Map;

/**
 * The parts of an HTTP request the protocol layer reads, and the response it produces; no HTTP library types.
 *
 * <p>Header names in {@link Request#headers()} are lower-case.
 */
public final class HttpExchange {
    private HttpExchange() {
    }

    public record Request(String method, String path, String rawQuery, Map<String, String> headers, byte[] body) {
        public String header(String lowerCaseName) {
            return headers.get(lowerCaseName);
        }
    }

    public record Response(int status, String contentType, Map<String, String> headers, byte[] body) {
    }
}
