package dev.postbox.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The JSON documents of the RedrivePolicy and RedriveAllowPolicy attributes (sqs-reference.md §3.3). */
public final class RedrivePolicies {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> PERMISSIONS = Set.of("allowAll", "denyAll", "byQueue");

    private RedrivePolicies() {
    }

    /** {@code {"deadLetterTargetArn":..., "maxReceiveCount":...}}; the count may arrive as number or string. */
    public record RedrivePolicy(String deadLetterTargetArn, int maxReceiveCount) {
        public String toJson() {
            ObjectNode node = JSON.createObjectNode();
            node.put("deadLetterTargetArn", deadLetterTargetArn);
            node.put("maxReceiveCount", maxReceiveCount);
            return node.toString();
        }
    }

    /** {@code {"redrivePermission":"allowAll|denyAll|byQueue","sourceQueueArns":[...]}}. */
    public record RedriveAllowPolicy(String redrivePermission, List<String> sourceQueueArns) {
        public static final RedriveAllowPolicy ALLOW_ALL = new RedriveAllowPolicy("allowAll", List.of());

        public boolean allows(String sourceArn) {
            return switch (redrivePermission) {
                case "allowAll" -> true;
                case "byQueue" -> sourceQueueArns.contains(sourceArn);
                default -> false;
            };
        }

        public String toJson() {
            ObjectNode node = JSON.createObjectNode();
            node.put("redrivePermission", redrivePermission);
            if (redrivePermission.equals("byQueue")) {
                ArrayNode arns = node.putArray("sourceQueueArns");
                sourceQueueArns.forEach(arns::add);
            }
            return node.toString();
        }
    }

    public static RedrivePolicy parseRedrivePolicy(String text) {
        JsonNode node = object(text, QueueAttributes.REDRIVE_POLICY);
        JsonNode target = node.get("deadLetterTargetArn");
        JsonNode count = node.get("maxReceiveCount");
        if (target == null || !target.isTextual() || count == null) {
            throw invalid(QueueAttributes.REDRIVE_POLICY, text,
                    "Redrive policy is not a valid JSON map or is missing deadLetterTargetArn or maxReceiveCount.");
        }
        int maxReceiveCount;
        try {
            maxReceiveCount = count.isIntegralNumber() ? count.intValue() : Integer.parseInt(count.asText().trim());
        } catch (NumberFormatException e) {
            maxReceiveCount = -1;
        }
        if (maxReceiveCount < 1 || maxReceiveCount > Limits.MAX_RECEIVE_COUNT) {
            throw invalid(QueueAttributes.REDRIVE_POLICY, text,
                    "Invalid value for maxReceiveCount: " + count.asText() + ", valid values are from 1 to 1000 both inclusive.");
        }
        return new RedrivePolicy(target.asText(), maxReceiveCount);
    }

    public static RedriveAllowPolicy parseRedriveAllowPolicy(String text) {
        JsonNode node = object(text, QueueAttributes.REDRIVE_ALLOW_POLICY);
        JsonNode permission = node.get("redrivePermission");
        if (permission == null || !PERMISSIONS.contains(permission.asText())) {
            throw invalid(QueueAttributes.REDRIVE_ALLOW_POLICY, text,
                    "redrivePermission must be one of allowAll, denyAll, byQueue.");
        }
        JsonNode arns = node.get("sourceQueueArns");
        List<String> sources = new ArrayList<>();
        if (permission.asText().equals("byQueue")) {
            if (arns == null || !arns.isArray() || arns.isEmpty() || arns.size() > Limits.MAX_REDRIVE_ALLOW_SOURCES) {
                throw invalid(QueueAttributes.REDRIVE_ALLOW_POLICY, text, "byQueue needs sourceQueueArns with 1 to "
                        + Limits.MAX_REDRIVE_ALLOW_SOURCES + " queue ARNs.");
            }
            arns.forEach(arn -> sources.add(arn.asText()));
        } else if (arns != null) {
            throw invalid(QueueAttributes.REDRIVE_ALLOW_POLICY, text,
                    "sourceQueueArns is only allowed when redrivePermission is byQueue.");
        }
        return new RedriveAllowPolicy(permission.asText(), List.copyOf(sources));
    }

    static JsonNode object(String text, String attribute) {
        try {
            JsonNode node = JSON.readTree(text);
            if (node != null && node.isObject()) {
                return node;
            }
        } catch (JsonProcessingException e) {
            // reported below
        }
        throw invalid(attribute, text, attribute + " is not a valid JSON map.");
    }

    static SqsException invalid(String attribute, String value, String reason) {
        return SqsException.invalidParameter(attribute, value, reason);
    }
}
