package dev.postbox.core.service;

import dev.postbox.core.ErrorCode;
import dev.postbox.core.Limits;
import dev.postbox.core.QueueUrls;
import dev.postbox.core.SqsException;
import dev.postbox.core.api.CallContext;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Finding the queue a request names, and paging lists of queues: what every part of the service shares. */
final class Queues {
    private final QueueStore store;
    private final String accountId;

    Queues(QueueStore store, String accountId) {
        this.store = store;
        this.accountId = accountId;
    }

    /** The caller's account: whose queues it creates and lists, and that queue URLs without one refer to. */
    String accountOf(CallContext call) {
        return call.accountId() != null ? call.accountId() : accountId;
    }

    /**
     * The queue the URL names; a missing URL throws {@code MissingParameter}, a queue of another account throws
     * {@code AccessDenied} to an authenticated caller (whether it exists or not), an unknown queue fails the future.
     */
    CompletableFuture<QueueRecord> require(CallContext call, String queueUrl) {
        if (queueUrl == null || queueUrl.isEmpty()) {
            throw SqsException.missingParameter("QueueUrl");
        }
        QueueKey key = QueueUrls.parse(queueUrl, accountOf(call));
        authorize(call, key);
        return require(key);
    }

    /**
     * An authenticated caller touches its own account's queues only (queue policies that grant other accounts are
     * not evaluated yet: docs/security.md). AWS's message names the queue's URL.
     */
    void authorize(CallContext call, QueueKey key) {
        if (call.authenticated() && !key.accountId().equals(accountOf(call))) {
            throw new SqsException(ErrorCode.ACCESS_DENIED, "Access to the resource "
                    + QueueUrls.url(call.baseUrl(), key) + " is denied.");
        }
    }

    /** The queue, or a future failed with {@code QueueDoesNotExist}. */
    CompletableFuture<QueueRecord> require(QueueKey key) {
        return store.queue(key).thenApply(queue -> queue.orElseThrow(SqsException::queueDoesNotExist));
    }

    /** One page of queue URLs (see {@link #page}). */
    record Page(List<String> urls, String nextToken) {
    }

    /**
     * One page of queue URLs from queues ordered by name: {@code MaxResults} 1..1000 (1000 when absent), resuming
     * after the name in {@code NextToken}; a next token only when {@code MaxResults} was given and more remain (AWS).
     */
    static Page page(CallContext call, List<QueueRecord> queues, Integer maxResults, String nextToken) {
        if (maxResults != null && (maxResults < 1 || maxResults > Limits.MAX_LIST_QUEUES_RESULTS)) {
            throw SqsException.invalidParameter("MaxResults", maxResults,
                    "MaxResults must be an integer between 1 and 1000.");
        }
        String after = nextToken == null || nextToken.isEmpty() ? null : decodeNextToken(nextToken);
        int limit = maxResults == null ? Limits.MAX_LIST_QUEUES_RESULTS : maxResults;
        List<String> urls = new ArrayList<>();
        String last = null;
        boolean more = false;
        for (QueueRecord queue : queues) {
            if (after != null && queue.key().name().compareTo(after) <= 0) {
                continue;
            }
            if (urls.size() == limit) {
                more = true;
                break;
            }
            urls.add(QueueUrls.url(call.baseUrl(), queue.key()));
            last = queue.key().name();
        }
        return new Page(urls, more && maxResults != null ? encodeNextToken(last) : null);
    }

    private static String encodeNextToken(String lastName) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("after:" + lastName)
                .getBytes(StandardCharsets.UTF_8));
    }

    private static String decodeNextToken(String token) {
        try {
            String decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (decoded.startsWith("after:")) {
                return decoded.substring("after:".length());
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw SqsException.invalidParameter("NextToken", token, "Invalid NextToken value.");
    }
}
