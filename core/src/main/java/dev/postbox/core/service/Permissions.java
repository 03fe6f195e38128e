package dev.postbox.core.service;

import dev.postbox.core.ErrorCode;
import dev.postbox.core.QueueAttributes;
import dev.postbox.core.QueuePolicies;
import dev.postbox.core.QueueUrls;
import dev.postbox.core.SqsException;
import dev.postbox.core.api.AddPermission;
import dev.postbox.core.api.CallContext;
import dev.postbox.core.api.RemovePermission;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;

import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/** AddPermission and RemovePermission: edits of the statements of the queue's {@code Policy} document. */
final class Permissions {
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_-]{1,80}");
    private static final int MAX_ACTIONS_PER_PERMISSION = 7;

    private final QueueStore store;
    private final InstantSource clock;
    private final Queues queues;

    Permissions(QueueStore store, InstantSource clock, Queues queues) {
        this.store = store;
        this.clock = clock;
        this.queues = queues;
    }

    CompletableFuture<Void> addPermission(CallContext call, AddPermission.Request request) {
        return queues.require(call, "sqs:AddPermission", request.queueUrl()).thenCompose(queue -> {
            String label = request.label();
            if (label == null || label.isEmpty()) {
                throw SqsException.missingParameter("Label");
            }
            if (!LABEL.matcher(label).matches()) {
                throw SqsException.invalidParameter("Label", label, "Can only include alphanumeric characters,"
                        + " hyphens, or underscores. 1 to 80 in length");
            }
            List<String> accounts = request.awsAccountIds() == null ? List.of() : request.awsAccountIds();
            List<String> actions = request.actions() == null ? List.of() : request.actions();
            checkGrant(accounts, actions);
            Instant now = clock.instant();
            return store.updateQueue(queue.key(), current -> withPolicy(current, QueuePolicies.addPermission(
                    current.attributes().get(QueueAttributes.POLICY), QueueUrls.arn(current.key()),
                    label, accounts, actions), now));
        }).thenApply(updated -> null);
    }

    private static void checkGrant(List<String> accounts, List<String> actions) {
        if (accounts.isEmpty()) {
            throw SqsException.missingParameter("AWSAccountIds");
        }
        if (actions.isEmpty()) {
            throw SqsException.missingParameter("Actions");
        }
        if (actions.size() > MAX_ACTIONS_PER_PERMISSION) {
            throw new SqsException(ErrorCode.OVER_LIMIT, actions.size() + " Actions were found, maximum allowed is "
                    + MAX_ACTIONS_PER_PERMISSION + ".");
        }
        for (String action : actions) {
            if (!QueuePolicies.PERMISSION_ACTIONS.contains(action)) {
                throw SqsException.invalidParameter("ActionName", "SQS:" + action,
                        "Please refer to the appropriate WSDL for a list of valid actions.");
            }
        }
        for (String account : accounts) {
            if (!account.matches("\\d{12}")) {
                throw SqsException.invalidParameter("AWSAccountId", account, "An account id is 12 digits.");
            }
        }
    }

    CompletableFuture<Void> removePermission(CallContext call, RemovePermission.Request request) {
        return queues.require(call, "sqs:RemovePermission", request.queueUrl()).thenCompose(queue -> {
            if (request.label() == null || request.label().isEmpty()) {
                throw SqsException.missingParameter("Label");
            }
            Instant now = clock.instant();
            return store.updateQueue(queue.key(), current -> withPolicy(current, QueuePolicies.removePermission(
                    current.attributes().get(QueueAttributes.POLICY), request.label()), now));
        }).thenApply(updated -> null);
    }

    private static QueueRecord withPolicy(QueueRecord queue, String policy, Instant now) {
        Map<String, String> attributes = new LinkedHashMap<>(queue.attributes());
        if (policy == null) {
            attributes.remove(QueueAttributes.POLICY);
        } else {
            attributes.put(QueueAttributes.POLICY, policy);
        }
        return queue.withAttributes(attributes, now);
    }
}
