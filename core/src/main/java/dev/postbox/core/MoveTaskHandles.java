package dev.postbox.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Message move task handles: base64 of a small JSON object naming the task and its source queue, as AWS's are. */
public final class MoveTaskHandles {
    private MoveTaskHandles() {
    }

    /** What a handle names. */
    public record Handle(String taskId, String sourceArn) {
    }

    public static String encode(String taskId, String sourceArn) {
        ObjectNode node = RedrivePolicies.JSON.createObjectNode();
        node.put("taskId", taskId);
        node.put("sourceArn", sourceArn);
        return Base64.getEncoder().encodeToString(node.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The task a handle names; {@code InvalidParameterValue} for anything that is not a handle. */
    public static Handle decode(String handle) {
        try {
            JsonNode node = RedrivePolicies.JSON.readTree(Base64.getDecoder().decode(handle));
            return new Handle(node.get("taskId").asText(), node.get("sourceArn").asText());
        } catch (Exception e) {
            throw new SqsException(ErrorCode.INVALID_PARAMETER_VALUE, "Value for parameter TaskHandle is invalid.");
        }
    }
}
