package dev.postbox.core.service;

import dev.postbox.core.ErrorCode;
import dev.postbox.core.Limits;
import dev.postbox.core.PolicyEvaluation;
import dev.postbox.core.QueueAttributes;
import dev.postbox.core.QueueUrls;
import dev.postbox.core.SqsException;
import dev.postbox.core.api.CallContext;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Finding the queue a request names, and paging lists of queues: what every part of the service shares. */
final class Queues {
    private final QueueStore store;
    private final InstantSource clock;
    private final String accountId;
    private final QueueUrls urls;

    Queues(QueueStore store, InstantSource clock, String accountId, QueueUrls urls) {
        this.store = store;
        this.clock = clock;
        this.accountId = accountId;
        this.urls = urls;
    }

    /** The queue's URL as this caller is handed it. */
    String url(CallContext call, QueueKey key) {
        return urls.url(call.baseUrl(), key);
    }

    /** The queue of this name in the caller's account and the request's region. */
    QueueKey own(CallContext call, String name) {
        return new QueueKey(call.region(), accountOf(call), name);
    }

    /** The caller's account: whose queues it creates and lists, and that queue URLs without one refer to. */
    String accountOf(CallContext call) {
        return call.accountId() != null ? call.accountId() : accountId;
    }

    /**
     * The queue the URL names, if the caller may do {@code action} to it; a missing URL throws
     * {@code MissingParameter}, an unknown queue fails the future ({@code QueueDoesNotExist}), a refusal fails it
     * ({@code AccessDenied}; see {@link #require(CallContext, String, QueueKey)}).
     */
    CompletableFuture<QueueRecord> require(CallContext call, String action, String queueUrl) {
        if (queueUrl == null || queueUrl.isEmpty()) {
            throw SqsException.missingParameter("QueueUrl");
        }
        return require(call, action, QueueUrls.parse(queueUrl, call.region(), accountOf(call)));
    }

    /**
     * The queue, if the caller may do {@code action} (e.g. {@code sqs:SendMessage}) to it. An unauthenticated
     * caller may do anything (auth.mode off). An authenticated one may act on its own account's queues unless the
     * queue's policy explicitly denies it, and on another account's queue only when the policy allows it
     * ({@link PolicyEvaluation}); another account's queue that does not exist is refused like one that does, so
     * that a refusal tells nothing. AWS's message names the queue's URL.
     */
    CompletableFuture<QueueRecord> require(CallContext call, String action, QueueKey key) {
        if (!call.authenticated()) {
            return require(key);
        }
        String account = accountOf(call);
        boolean own = key.accountId().equals(account);
        return store.queue(key).thenApply(found -> {
            if (found.isEmpty()) {
                throw own ? SqsException.queueDoesNotExist() : accessDenied(call, key);
            }
            QueueRecord queue = found.get();
            String policy = queue.attributes().get(QueueAttributes.POLICY);
            PolicyEvaluation.Decision decision = policy == null || policy.isEmpty()
                    ? PolicyEvaluation.Decision.NOT_APPLICABLE
                    : PolicyEvaluation.evaluate(policy, new PolicyEvaluation.Request(account,
                            "arn:aws:iam::" + account + ":user/" + call.callerId(), action,
                            QueueUrls.arn(key), conditionKeys(call, account)));
            if (decision == PolicyEvaluation.Decision.DENY
                    || (!own && decision != PolicyEvaluation.Decision.ALLOW)) {
                throw accessDenied(call, key);
            }
            return queue;
        });
    }

    /** The request's facts that policy conditions test, by lower-case key. */
    private Map<String, String> conditionKeys(CallContext call, String account) {
        Map<String, String> keys = new HashMap<>();
        java.time.Instant now = clock.instant();
        keys.put("aws:securetransport", Boolean.toString(call.secure()));
        keys.put("aws:currenttime", now.toString());
        keys.put("aws:epochtime", Long.toString(now.getEpochSecond()));
        keys.put("aws:principalaccount", account);
        if (call.sourceIp() != null) {
            keys.put("aws:sourceip", call.sourceIp());
        }
        return keys;
    }

    private SqsException accessDenied(CallContext call, QueueKey key) {
        return new SqsException(ErrorCode.ACCESS_DENIED, "Access to the resource " + url(call, key) + " is denied.");
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
    Page page(CallContext call, List<QueueRecord> queues, Integer maxResults, String nextToken) {
        if (maxResults != null && (maxResults < 1 || maxResults > Limits.MAX_LIST_QUEUES_RESULTS)) {
            throw SqsException.invalidParameter("MaxResults", maxResults,
                    "MaxResults must be an integer between 1 and 1000.");
        }
        String after = nextToken == null || nextToken.isEmpty() ? null : decodeNextToken(nextToken);
        int limit = maxResults == null ? Limits.MAX_LIST_QUEUES_RESULTS : maxResults;
        List<String> pageUrls = new ArrayList<>();
        String last = null;
        boolean more = false;
        for (QueueRecord queue : queues) {
            if (after != null && queue.key().name().compareTo(after) <= 0) {
                continue;
            }
            if (pageUrls.size() == limit) {
                more = true;
                break;
            }
            pageUrls.add(url(call, queue.key()));
            last = queue.key().name();
        }
        return new Page(pageUrls, more && maxResults != null ? encodeNextToken(last) : null);
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
