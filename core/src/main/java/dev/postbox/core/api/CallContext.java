package dev.postbox.core.api;

/**
 * Facts about the caller that every operation may need.
 *
 * @param baseUrl  scheme, host and port that queue URLs handed to this caller must start with
 *                 (so that clients such as Java SDK v1, which send requests to the queue URL, reach us)
 * @param callerId the caller identity recorded as the {@code SenderId} of messages it sends
 * @param region   the request's region (its signature's credential scope, else the server's): where it creates and
 *                 lists queues, and the region of a queue URL that shows none
 * @param waits    where the caller's long polls resume and keep their deadlines
 * @param traceHeader the caller's trace context (AWS X-Ray's {@code X-Amzn-Trace-Id} header), null when none: the
 *                 {@code AWSTraceHeader} of messages it sends that do not carry one themselves
 * @param accountId the caller's account, whose queues it creates, lists and names without an account; null: the
 *                 service's account
 * @param authenticated whether the caller proved who it is (a checked signature): then it may touch its own
 *                 account's queues and those whose policy allows it, nothing else ({@code AccessDenied}); an
 *                 unauthenticated caller may name any account's queue
 * @param sourceIp  the caller's address ({@code aws:SourceIp} in policy conditions), or null
 * @param secure    whether the request came over TLS ({@code aws:SecureTransport})
 */
public record CallContext(String baseUrl, String callerId, String region, Waits waits, String traceHeader,
                          String accountId, boolean authenticated, String sourceIp, boolean secure) {
    public CallContext(String baseUrl, String callerId, String region, Waits waits, String traceHeader) {
        this(baseUrl, callerId, region, waits, traceHeader, null, false, null, false);
    }

    public CallContext(String baseUrl, String callerId, String region, Waits waits) {
        this(baseUrl, callerId, region, waits, null);
    }
}
