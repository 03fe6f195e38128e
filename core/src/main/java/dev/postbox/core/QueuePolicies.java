package dev.postbox.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The queue's {@code Policy} attribute: validated when set directly, edited statement by statement by AddPermission
 * and RemovePermission (sqs-reference.md §2.16-2.17); with auth.mode=sigv4, enforced ({@link PolicyEvaluation}).
 */
public final class QueuePolicies {
    private static final int MAX_POLICY_BYTES = 8192;
    private static final int MAX_STATEMENTS = 20;
    /** Actions AddPermission accepts (the batch variants are covered by their single forms). */
    public static final Set<String> PERMISSION_ACTIONS = Set.of("*", "SendMessage", "ReceiveMessage",
            "DeleteMessage", "ChangeMessageVisibility", "GetQueueAttributes", "GetQueueUrl", "PurgeQueue",
            "ListDeadLetterSourceQueues", "ListQueueTags", "SetQueueAttributes", "DeleteQueue", "TagQueue",
            "UntagQueue", "StartMessageMoveTask", "CancelMessageMoveTask", "ListMessageMoveTasks",
            "AddPermission", "RemovePermission", "CreateQueue", "ListQueues");

    private QueuePolicies() {
    }

    /** Validates a policy document given to CreateQueue/SetQueueAttributes; returns it unchanged. */
    public static String validate(String text) {
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_POLICY_BYTES) {
            throw invalidPolicy("the policy is larger than " + MAX_POLICY_BYTES + " bytes");
        }
        JsonNode policy;
        try {
            policy = RedrivePolicies.object(text, QueueAttributes.POLICY);
        } catch (SqsException e) {
            throw invalidPolicy("the policy is not a valid JSON object");
        }
        JsonNode statements = policy.get("Statement");
        if (statements == null || !(statements.isArray() || statements.isObject())) {
            throw invalidPolicy("the policy has no Statement");
        }
        if (statements.isArray() && statements.size() > MAX_STATEMENTS) {
            throw invalidPolicy("the policy has more than " + MAX_STATEMENTS + " statements");
        }
        for (JsonNode statement : statements.isArray() ? statements : List.of(statements)) {
            JsonNode effect = statement.get("Effect");
            if (!statement.isObject() || effect == null
                    || !(effect.asText().equals("Allow") || effect.asText().equals("Deny"))
                    || (statement.get("Action") == null && statement.get("NotAction") == null)) {
                throw invalidPolicy("every statement needs Effect (Allow or Deny) and Action");
            }
        }
        return text;
    }

    private static SqsException invalidPolicy(String reason) {
        return new SqsException(ErrorCode.INVALID_ATTRIBUTE_VALUE, "Invalid value for the parameter Policy. Reason: "
                + reason + ".");
    }

    /** The policy with a statement {@code Sid=label} added; {@code current} may be null (no policy yet). */
    public static String addPermission(String current, String queueArn, String label, List<String> accountIds,
                                       List<String> actions) {
        ObjectNode policy;
        if (current == null || current.isEmpty()) {
            policy = RedrivePolicies.JSON.createObjectNode();
            policy.put("Version", "2008-10-17");
            policy.put("Id", queueArn + "/SQSDefaultPolicy");
            policy.putArray("Statement");
        } else {
            policy = (ObjectNode) RedrivePolicies.object(current, QueueAttributes.POLICY);
            if (!policy.path("Statement").isArray()) {
                ArrayNode statements = RedrivePolicies.JSON.createArrayNode();
                if (policy.has("Statement")) {
                    statements.add(policy.get("Statement"));
                }
                policy.set("Statement", statements);
            }
        }
        ArrayNode statements = (ArrayNode) policy.get("Statement");
        for (JsonNode statement : statements) {
            if (label.equals(statement.path("Sid").asText(null))) {
                throw SqsException.invalidParameter("Label", label, "Already exists.");
            }
        }
        ObjectNode statement = statements.addObject();
        statement.put("Sid", label);
        statement.put("Effect", "Allow");
        ObjectNode principal = statement.putObject("Principal");
        List<String> principals = accountIds.stream().map(a -> "arn:aws:iam::" + a + ":root").toList();
        if (principals.size() == 1) {
            principal.put("AWS", principals.getFirst());
        } else {
            principals.forEach(principal.putArray("AWS")::add);
        }
        List<String> qualified = actions.stream().map(a -> "SQS:" + a).toList();
        if (qualified.size() == 1) {
            statement.put("Action", qualified.getFirst());
        } else {
            qualified.forEach(statement.putArray("Action")::add);
        }
        statement.put("Resource", queueArn);
        return policy.toString();
    }

    /** The policy without the statement {@code Sid=label}; null when no statement remains. */
    public static String removePermission(String current, String label) {
        if (current == null || current.isEmpty()) {
            throw SqsException.invalidParameter("Label", label, "can't find label.");
        }
        ObjectNode policy = (ObjectNode) RedrivePolicies.object(current, QueueAttributes.POLICY);
        JsonNode statements = policy.get("Statement");
        boolean removed = false;
        if (statements != null && statements.isArray()) {
            for (Iterator<JsonNode> it = statements.iterator(); it.hasNext(); ) {
                if (label.equals(it.next().path("Sid").asText(null))) {
                    it.remove();
                    removed = true;
                }
            }
        } else if (statements != null && label.equals(statements.path("Sid").asText(null))) {
            policy.putArray("Statement");
            removed = true;
        }
        if (!removed) {
            throw SqsException.invalidParameter("Label", label, "can't find label.");
        }
        return policy.get("Statement").isEmpty() ? null : policy.toString();
    }
}
