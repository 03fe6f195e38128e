package dev.postbox.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * Renders a query-protocol answer as JSON, for a query request that sends {@code Accept: application/json}: AWS
 * answers such requests with the query response's structure in JSON, e.g.
 * {@code {"ListQueuesResponse": {"ListQueuesResult": {"queueUrls": [...]}, "ResponseMetadata": {"RequestId": "..."}}}}.
 * Clients that read only this form (the R package aws.sqs) pin its shape: list members are named in lowerCamelCase
 * ({@code queueUrls}, {@code messages}, {@code successful}, {@code failed}), every other member keeps the name the
 * JSON protocol gives it ({@code QueueUrl}, {@code Body}, {@code MessageId}), maps stay JSON objects. Errors stay
 * XML, as AWS's do.
 */
final class QueryJsonWriter {
    private QueryJsonWriter() {
    }

    static byte[] success(Action action, ObjectNode result, String requestId) {
        ObjectNode response = Json.object();
        if (result != null) {
            response.set(action.name() + "Result", renamed(result));
        }
        response.putObject("ResponseMetadata").put("RequestId", requestId);
        ObjectNode root = Json.object();
        root.set(action.name() + "Response", response);
        return Json.write(root);
    }

    /** A copy of the JSON protocol's tree with list members renamed, at every depth. */
    private static JsonNode renamed(JsonNode node) {
        if (node.isArray()) {
            ArrayNode copy = Json.array();
            node.forEach(element -> copy.add(renamed(element)));
            return copy;
        }
        if (!node.isObject()) {
            return node;
        }
        ObjectNode copy = Json.object();
        for (Map.Entry<String, JsonNode> member : node.properties()) {
            String name = member.getKey();
            JsonNode value = member.getValue();
            copy.set(value.isArray() ? lowerCamel(name) : name, renamed(value));
        }
        return copy;
    }

    private static String lowerCamel(String name) {
        return name.isEmpty() ? name : Character.toLowerCase(name.charAt(0)) + name.substring(1);
    }
}
