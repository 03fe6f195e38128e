package dev.postbox.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Renders the query protocol's XML from the same member tree the JSON protocol sends
 * (sqs-reference.md §1.3): lists are flattened under a singular element name, maps become repeated
 * Name/Value (or Key/Value) elements.
 */
final class XmlWriter {
    static final String NAMESPACE = "http://queue.amazonaws.com/doc/2012-11-05/";

    /** List member → the element each item is written as. */
    private static final Map<String, String> LIST_ITEM = Map.of(
            "QueueUrls", "QueueUrl",
            "queueUrls", "QueueUrl",
            "Messages", "Message",
            "Failed", "BatchResultErrorEntry",
            "Results", "ListMessageMoveTasksResultEntry",
            "StringListValues", "StringListValue",
            "BinaryListValues", "BinaryListValue");
    /** Map member → entry element, key element, value element. */
    private static final Map<String, String[]> MAP_ENTRY = Map.of(
            "Attributes", new String[]{"Attribute", "Name", "Value"},
            "MessageAttributes", new String[]{"MessageAttribute", "Name", "Value"},
            "Tags", new String[]{"Tag", "Key", "Value"});

    private XmlWriter() {
    }

    static byte[] success(Action action, ObjectNode result, String requestId) {
        StringBuilder xml = new StringBuilder(256);
        xml.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<").append(action.name())
                .append("Response xmlns=\"").append(NAMESPACE).append("\">");
        if (result != null) {
            String resultElement = action.name() + "Result";
            if (result.isEmpty()) {
                xml.append('<').append(resultElement).append("/>");
            } else {
                xml.append('<').append(resultElement).append('>');
                members(xml, action, result);
                xml.append("</").append(resultElement).append('>');
            }
        }
        xml.append("<ResponseMetadata><RequestId>").append(requestId).append("</RequestId></ResponseMetadata></")
                .append(action.name()).append("Response>");
        return xml.toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] error(String type, String code, String message, String requestId) {
        StringBuilder xml = new StringBuilder(256);
        xml.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse xmlns=\"").append(NAMESPACE)
                .append("\"><Error><Type>").append(type).append("</Type><Code>");
        escape(xml, code);
        xml.append("</Code><Message>");
        escape(xml, message);
        xml.append("</Message><Detail/></Error><RequestId>").append(requestId).append("</RequestId></ErrorResponse>");
        return xml.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void members(StringBuilder xml, Action action, JsonNode node) {
        for (Map.Entry<String, JsonNode> member : node.properties()) {
            String name = member.getKey();
            JsonNode value = member.getValue();
            if (value.isArray()) {
                String item = name.equals("Successful") ? action.name() + "ResultEntry"
                        : LIST_ITEM.getOrDefault(name, name);
                for (JsonNode element : value) {
                    element(xml, action, item, element);
                }
            } else if (value.isObject() && MAP_ENTRY.containsKey(name)) {
                String[] names = MAP_ENTRY.get(name);
                for (Map.Entry<String, JsonNode> entry : value.properties()) {
                    xml.append('<').append(names[0]).append("><").append(names[1]).append('>');
                    escape(xml, entry.getKey());
                    xml.append("</").append(names[1]).append('>');
                    element(xml, action, names[2], entry.getValue());
                    xml.append("</").append(names[0]).append('>');
                }
            } else {
                element(xml, action, name, value);
            }
        }
    }

    private static void element(StringBuilder xml, Action action, String name, JsonNode value) {
        xml.append('<').append(name).append('>');
        if (value.isObject()) {
            members(xml, action, value);
        } else {
            escape(xml, value.asText());
        }
        xml.append("</").append(name).append('>');
    }

    /**
     * Escapes text content as SQS does: besides the markup characters, carriage return becomes {@code &#xD;} so that
     * XML end-of-line normalisation in the client cannot turn it into a line feed (which would break MD5 checks).
     */
    /**
     * Escapes text for element content. Characters XML 1.0 cannot carry at all (control characters, unpaired
     * surrogates, U+FFFE/U+FFFF; only an error message echoing a caller's value can hold them, as bodies and
     * attributes are validated) become U+FFFD, so that every answer stays well-formed.
     */
    static void escape(StringBuilder xml, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> xml.append("&amp;");
                case '<' -> xml.append("&lt;");
                case '>' -> xml.append("&gt;");
                case '"' -> xml.append("&quot;");
                case '\r' -> xml.append("&#xD;");
                default -> {
                    if (c >= 0x20 && c < Character.MIN_SURROGATE || c == '\t' || c == '\n') {
                        xml.append(c);
                    } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                            && Character.isLowSurrogate(text.charAt(i + 1))) {
                        xml.append(c).append(text.charAt(++i));
                    } else if (c > Character.MAX_SURROGATE && c < 0xFFFE) {
                        xml.append(c);
                    } else {
                        xml.append('\uFFFD');
                    }
                }
            }
        }
    }
}
