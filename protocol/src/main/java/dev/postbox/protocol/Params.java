package dev.postbox.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import dev.postbox.core.ErrorCode;
import dev.postbox.core.SqsException;
import dev.postbox.core.api.MessageAttributeValue;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed reads of request members from the protocol-neutral tree (JSON as sent, or the tree built from query
 * parameters, where every scalar is text). Numbers are accepted as JSON numbers or numeric strings. A list or map
 * member given as the empty string is empty: botocore's query serializer writes an empty list as its bare name
 * ({@code Entries=}).
 */
final class Params {
    private final JsonNode node;

    Params(JsonNode node) {
        this.node = node == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : node;
    }

    String string(String member) {
        JsonNode value = node.get(member);
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isValueNode()) {
            return value.asText();
        }
        throw wrongType(member, value, "must be a string");
    }

    Integer integer(String member) {
        JsonNode value = node.get(member);
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isIntegralNumber() && value.canConvertToInt()) {
            return value.intValue();
        }
        if (value.isTextual()) {
            try {
                return Integer.parseInt(value.asText().trim());
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw wrongType(member, value, "must be an integer");
    }

    List<String> strings(String member) {
        JsonNode value = node.get(member);
        if (value == null || value.isNull()) {
            return null;
        }
        if (isEmptyText(value)) {
            return List.of();
        }
        if (value.isValueNode()) {
            return List.of(value.asText());
        }
        if (!value.isArray()) {
            throw wrongType(member, value, "must be a list of strings");
        }
        List<String> result = new ArrayList<>(value.size());
        for (JsonNode element : value) {
            if (!element.isValueNode() || element.isNull()) {
                throw wrongType(member, value, "must be a list of strings");
            }
            result.add(element.asText());
        }
        return result;
    }

    Map<String, String> stringMap(String member) {
        JsonNode value = node.get(member);
        if (value == null || value.isNull()) {
            return null;
        }
        if (isEmptyText(value)) {
            return Map.of();
        }
        if (!value.isObject()) {
            throw wrongType(member, value, "must be a map of strings");
        }
        Map<String, String> result = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : value.properties()) {
            JsonNode v = entry.getValue();
            if (!v.isValueNode()) {
                throw wrongType(member, value, "must be a map of strings");
            }
            result.put(entry.getKey(), v.isNull() ? "" : v.asText());
        }
        return result;
    }

    Map<String, MessageAttributeValue> attributeMap(String member) {
        JsonNode value = node.get(member);
        if (value == null || value.isNull()) {
            return null;
        }
        if (isEmptyText(value)) {
            return Map.of();
        }
        if (!value.isObject()) {
            throw wrongType(member, value, "must be a map of message attributes");
        }
        Map<String, MessageAttributeValue> result = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : value.properties()) {
            Params attribute = new Params(entry.getValue());
            if (!entry.getValue().isObject()) {
                throw wrongType(member, value, "must be a map of message attributes");
            }
            List<String> binaryListText = attribute.strings("BinaryListValues");
            List<byte[]> binaryList = binaryListText == null ? null
                    : binaryListText.stream().map(t -> base64(member, t)).toList();
            String binary = attribute.string("BinaryValue");
            result.put(entry.getKey(), new MessageAttributeValue(attribute.string("DataType"),
                    attribute.string("StringValue"), binary == null ? null : base64(member, binary),
                    attribute.strings("StringListValues"), binaryList));
        }
        return result;
    }

    List<Params> entries(String member) {
        JsonNode value = node.get(member);
        if (value == null || value.isNull()) {
            return null;
        }
        if (isEmptyText(value)) {
            return List.of();
        }
        if (!value.isArray()) {
            throw wrongType(member, value, "must be a list of entries");
        }
        List<Params> result = new ArrayList<>(value.size());
        for (JsonNode element : value) {
            result.add(new Params(element));
        }
        return result;
    }

    private static boolean isEmptyText(JsonNode value) {
        return value.isTextual() && value.asText().isEmpty();
    }

    private static byte[] base64(String member, String text) {
        try {
            return Base64.getMimeDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw SqsException.invalidParameter(member, text, "BinaryValue must be base64-encoded.");
        }
    }

    private static SqsException wrongType(String member, JsonNode value, String reason) {
        String shown = value.isValueNode() ? value.asText() : value.toString();
        if (shown.length() > 100) {
            shown = shown.substring(0, 100) + "...";
        }
        return new SqsException(ErrorCode.INVALID_PARAMETER_VALUE,
                "Value " + shown + " for parameter " + member + " is invalid. Reason: " + reason + ".");
    }
}
