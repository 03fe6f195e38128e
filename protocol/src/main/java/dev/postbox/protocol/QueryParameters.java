package dev.postbox.protocol;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.postbox.core.ErrorCode;
import dev.postbox.core.SqsException;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns query-protocol parameters into the tree the JSON protocol would have sent, so that one decoder serves both.
 *
 * <p>Query lists and maps are flattened: {@code AttributeName.1=x}, {@code Attribute.1.Name=n&Attribute.1.Value=v},
 * {@code SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.StringValue=s}. The member-name prefixes
 * ({@code Attributes.1.Name}, {@code Tags.1.Key}) that Java SDK v2's old query marshaller sent are accepted too.
 */
final class QueryParameters {
    /** Flattened query name → JSON member name. */
    private static final Map<String, String> MEMBER = Map.ofEntries(
            Map.entry("Attribute", "Attributes"),
            Map.entry("Tag", "Tags"),
            Map.entry("MessageAttribute", "MessageAttributes"),
            Map.entry("MessageSystemAttribute", "MessageSystemAttributes"),
            Map.entry("AttributeName", "AttributeNames"),
            Map.entry("MessageAttributeName", "MessageAttributeNames"),
            Map.entry("MessageSystemAttributeName", "MessageSystemAttributeNames"),
            Map.entry("TagKey", "TagKeys"),
            Map.entry("AWSAccountId", "AWSAccountIds"),
            Map.entry("ActionName", "Actions"),
            Map.entry("StringListValue", "StringListValues"),
            Map.entry("BinaryListValue", "BinaryListValues"),
            Map.entry("SendMessageBatchRequestEntry", "Entries"),
            Map.entry("DeleteMessageBatchRequestEntry", "Entries"),
            Map.entry("ChangeMessageVisibilityBatchRequestEntry", "Entries"));
    /** Members that are maps of entries with Name and Value. */
    private static final Set<String> NAME_VALUE_MAPS = Set.of("Attributes", "MessageAttributes",
            "MessageSystemAttributes");

    private QueryParameters() {
    }

    /** Parses {@code a=b&c=d} (form body or query string), percent-decoding UTF-8; later values win. */
    static Map<String, String> parse(String encoded, Map<String, String> into) {
        if (encoded == null || encoded.isEmpty()) {
            return into;
        }
        try {
            for (String pair : encoded.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                into.put(name, value);
            }
        } catch (IllegalArgumentException e) {
            throw new SqsException(ErrorCode.MALFORMED_REQUEST, "The request has a malformed query string.");
        }
        return into;
    }

    static Map<String, String> parse(String encoded) {
        return parse(encoded, new LinkedHashMap<>());
    }

    /** The JSON-shaped tree of the parameters (all scalars as text). */
    static ObjectNode toTree(Map<String, String> parameters) {
        Map<String, Object> root = new LinkedHashMap<>();
        // A name used both as a value and as a structure (Attribute.1.Value=x with Attribute.1.Value.1=y), or a list
        // where a structure belongs, shows as a failed cast here or in convert: the request is malformed.
        try {
            for (Map.Entry<String, String> parameter : parameters.entrySet()) {
                insert(root, parameter.getKey().split("\\.", -1), 0, parameter.getValue());
            }
            return convert(root);
        } catch (ClassCastException | NumberFormatException e) {
            throw new SqsException(ErrorCode.MALFORMED_REQUEST, "The request has conflicting parameter names.");
        }
    }

    @SuppressWarnings("unchecked")
    private static void insert(Map<String, Object> node, String[] parts, int i, String value) {
        String name = parts[i];
        if (i == parts.length - 1) {
            node.put(name, value);
            return;
        }
        if (isIndex(parts[i + 1])) {
            TreeMap<Integer, Object> list = (TreeMap<Integer, Object>) node.computeIfAbsent(name, n -> new TreeMap<>());
            int index = Integer.parseInt(parts[i + 1]);
            if (i + 1 == parts.length - 1) {
                list.put(index, value);
                return;
            }
            Map<String, Object> element = (Map<String, Object>) list.computeIfAbsent(index, n -> new LinkedHashMap<>());
            insert(element, parts, i + 2, value);
        } else {
            Map<String, Object> child = (Map<String, Object>) node.computeIfAbsent(name, n -> new LinkedHashMap<>());
            insert(child, parts, i + 1, value);
        }
    }

    private static boolean isIndex(String part) {
        return !part.isEmpty() && part.length() < 7 && part.chars().allMatch(Character::isDigit);
    }

    @SuppressWarnings("unchecked")
    private static ObjectNode convert(Map<String, Object> node) {
        ObjectNode result = Json.object();
        for (Map.Entry<String, Object> entry : node.entrySet()) {
            String member = MEMBER.getOrDefault(entry.getKey(), entry.getKey());
            Object value = entry.getValue();
            if (value instanceof String text) {
                result.put(member, text);
            } else if (value instanceof TreeMap<?, ?> list) {
                if (NAME_VALUE_MAPS.contains(member)) {
                    result.set(member, toMap((TreeMap<Integer, Object>) list, "Name", "Value"));
                } else if (member.equals("Tags")) {
                    result.set(member, toMap((TreeMap<Integer, Object>) list, "Key", "Value"));
                } else {
                    ArrayNode array = result.putArray(member);
                    for (Object element : list.values()) {
                        if (element instanceof String text) {
                            array.add(text);
                        } else {
                            array.add(convert((Map<String, Object>) element));
                        }
                    }
                }
            } else {
                result.set(member, convert((Map<String, Object>) value));
            }
        }
        return result;
    }

    @SuppressWarnings("unchecked")
    private static ObjectNode toMap(TreeMap<Integer, Object> list, String keyName, String valueName) {
        ObjectNode map = Json.object();
        for (Object element : list.values()) {
            if (!(element instanceof Map<?, ?> fields) || !(fields.get(keyName) instanceof String key)) {
                continue;
            }
            Object value = fields.get(valueName);
            if (value instanceof Map<?, ?> structure) {
                map.set(key, convert((Map<String, Object>) structure));
            } else {
                map.put(key, value == null ? "" : (String) value);
            }
        }
        return map;
    }
}
