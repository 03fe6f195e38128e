package dev.postbox.core;

import dev.postbox.core.api.MessageAttributeValue;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;
import java.util.regex.Pattern;

/** Content rules for messages (sqs-reference.md §4): characters, attributes, size. */
public final class MessageRules {
    // Letters and digits of any script (AWS accepts "attr.1øßä"), hyphens, underscores and periods.
    private static final Pattern ATTRIBUTE_NAME = Pattern.compile("[\\p{L}\\p{N}_.\\-]+");
    /** Alphanumeric and ASCII punctuation, no space: group, deduplication and receive attempt ids. */
    private static final Pattern ID_CHARS = Pattern.compile("[\\x21-\\x7E]+");
    public static final String AWS_TRACE_HEADER = "AWSTraceHeader";

    private MessageRules() {
    }

    /** True when every code point is an XML 1.0 Char: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-. */
    public static boolean hasOnlyAllowedCharacters(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c <= 0xD7FF || c == 0x9 || c == 0xA || c == 0xD || c >= 0xE000 && c <= 0xFFFD) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
                continue;
            }
            return false;
        }
        return true;
    }

    public static void checkBody(String body) {
        if (body == null || body.isEmpty()) {
            throw SqsException.missingParameter("MessageBody");
        }
        if (!hasOnlyAllowedCharacters(body)) {
            throw new SqsException(ErrorCode.INVALID_MESSAGE_CONTENTS, "Invalid characters found. Valid unicode"
                    + " characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF");
        }
    }

    /** Validates user message attributes (count, names, types, values). */
    public static void checkAttributes(Map<String, MessageAttributeValue> attributes) {
        if (attributes.size() > Limits.MAX_MESSAGE_ATTRIBUTES) {
            throw new SqsException(ErrorCode.INVALID_PARAMETER_VALUE, "Number of message attributes ["
                    + attributes.size() + "] exceeds the allowed maximum [" + Limits.MAX_MESSAGE_ATTRIBUTES + "].");
        }
        for (Map.Entry<String, MessageAttributeValue> entry : attributes.entrySet()) {
            checkAttributeName(entry.getKey());
            checkValue("Message (user) attribute", entry.getKey(), entry.getValue());
        }
    }

    private static void checkAttributeName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (name.isEmpty() || name.length() > Limits.MAX_ATTRIBUTE_NAME_LENGTH || !ATTRIBUTE_NAME.matcher(name).matches()
                || name.startsWith(".") || name.endsWith(".") || name.contains("..")
                || lower.startsWith("aws.") || lower.startsWith("amazon.")) {
            throw new SqsException(ErrorCode.INVALID_PARAMETER_VALUE, "Message (user) attribute name '" + name
                    + "' is invalid. Names can contain alphanumeric characters, hyphens, underscores and periods,"
                    + " can't start or end with a period, have consecutive periods, or start with AWS. or Amazon.,"
                    + " and are 1 to 256 characters long.");
        }
    }

    /** Validates send-side system attributes: only AWSTraceHeader, of type String. */
    public static void checkSystemAttributes(Map<String, MessageAttributeValue> attributes) {
        for (Map.Entry<String, MessageAttributeValue> entry : attributes.entrySet()) {
            if (!entry.getKey().equals(AWS_TRACE_HEADER)) {
                throw new SqsException(ErrorCode.INVALID_PARAMETER_VALUE, "Message system attribute name '"
                        + entry.getKey() + "' is invalid.");
            }
            MessageAttributeValue value = entry.getValue();
            if (!"String".equals(value.dataType()) || value.stringValue() == null || value.stringValue().isEmpty()) {
                throw new SqsException(ErrorCode.INVALID_PARAMETER_VALUE, "Message (system) attribute '"
                        + AWS_TRACE_HEADER + "' must contain a non-empty value of type 'String'.");
            }
            checkValue("Message (system) attribute", entry.getKey(), value);
        }
    }

    private static void checkValue(String kind, String name, MessageAttributeValue value) {
        String type = value.dataType();
        if (type == null || type.isEmpty()) {
            throw new SqsException(ErrorCode.INVALID_PARAMETER_VALUE, kind + " '" + name
                    + "' must contain a non-empty attribute type.");
        }
        String base = type.contains(".") ? type.substring(0, type.indexOf('.')) : type;
        if (!(base.equals("String") || base.equals("Number") || base.equals("Binary"))
                || type.length() > Limits.MAX_ATTRIBUTE_TYPE_LENGTH || !hasOnlyAllowedCharacters(type)) {
            throw new SqsException(ErrorCode.INVALID_PARAMETER_VALUE, "The type of " + kind.toLowerCase(Locale.ROOT)
                    + " '" + name + "' is invalid. You must use only the following"
                    + " supported type prefixes: Binary, Number, String.");
        }
        if (base.equals("Binary")) {
            if (value.binaryValue() == null || value.binaryValue().length == 0) {
                throw emptyValue(kind, name, "Binary");
            }
            return;
        }
        if (value.stringValue() == null || value.stringValue().isEmpty()) {
            throw emptyValue(kind, name, base);
        }
        if (!hasOnlyAllowedCharacters(value.stringValue())) {
            throw new SqsException(ErrorCode.INVALID_PARAMETER_VALUE, kind + " '" + name
                    + "' contains invalid characters.");
        }
        if (base.equals("Number")) {
            checkNumber(kind, name, value.stringValue());
        }
    }

    private static void checkNumber(String kind, String name, String text) {
        try {
            BigDecimal number = new BigDecimal(text.trim());
            BigDecimal magnitude = number.abs();
            if (number.stripTrailingZeros().precision() > 38
                    || magnitude.signum() != 0 && (magnitude.compareTo(new BigDecimal("1E-128")) < 0
                    || magnitude.compareTo(new BigDecimal("1E126")) > 0)) {
                throw new SqsException(ErrorCode.INVALID_PARAMETER_VALUE, "Value " + text + " for " + kind
                        .toLowerCase(Locale.ROOT) + " '" + name + "' is out of range: a Number has at most 38"
                        + " significant digits and lies between 10^-128 and 10^+126.");
            }
        } catch (NumberFormatException e) {
            throw new SqsException(ErrorCode.INVALID_PARAMETER_VALUE, "Can't cast the value of "
                    + kind.toLowerCase(Locale.ROOT) + " '" + name + "' to a number.");
        }
    }

    private static SqsException emptyValue(String kind, String name, String type) {
        return new SqsException(ErrorCode.INVALID_PARAMETER_VALUE, kind + " '" + name
                + "' must contain a non-empty value of type '" + type + "'.");
    }

    /**
     * Whether the message's {@link #size} is over {@code limit}. Measures it only when it could be: a UTF-16 char is at
     * most 3 bytes of UTF-8, so a message whose {@link #sizeBound} is within the limit is too, and most messages are
     * far below it (a full walk over each body's chars was ~5% of a batched send's CPU).
     */
    public static boolean exceeds(String body, Map<String, MessageAttributeValue> attributes, long limit) {
        return sizeBound(body, attributes) > limit && size(body, attributes) > limit;
    }

    /** At least {@link #size}: three bytes per char of the text fields. */
    public static long sizeBound(String body, Map<String, MessageAttributeValue> attributes) {
        return measure(body, attributes, text -> text == null ? 0 : 3L * text.length());
    }

    /** Counted size: UTF-8 body plus, per user attribute, name, type and value bytes (system attributes excluded). */
    public static long size(String body, Map<String, MessageAttributeValue> attributes) {
        return measure(body, attributes, MessageRules::utf8Length);
    }

    /** The message's text fields measured by {@code textBytes}, plus its binary values' bytes. */
    private static long measure(String body, Map<String, MessageAttributeValue> attributes,
                                ToLongFunction<String> textBytes) {
        long size = textBytes.applyAsLong(body);
        for (Map.Entry<String, MessageAttributeValue> entry : attributes.entrySet()) {
            MessageAttributeValue value = entry.getValue();
            size += textBytes.applyAsLong(entry.getKey()) + textBytes.applyAsLong(value.dataType());
            if (value.stringValue() != null) {
                size += textBytes.applyAsLong(value.stringValue());
            } else if (value.binaryValue() != null) {
                size += value.binaryValue().length;
            }
        }
        return size;
    }

    /**
     * The length of {@code text} in UTF-8, as {@code text.getBytes(UTF_8).length} (an unpaired surrogate counts as the
     * one byte of the '?' it becomes), without encoding it: every send measures its body.
     */
    static long utf8Length(String text) {
        if (text == null) {
            return 0;
        }
        long length = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                length += 1;
            } else if (c < 0x800) {
                length += 2;
            } else if (!Character.isSurrogate(c)) {
                length += 3;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                length += 4;
                i++;
            } else {
                length += 1;
            }
        }
        return length;
    }

    /** Group, deduplication and receive-attempt ids: 1 to 128 characters, alphanumeric and punctuation. */
    public static void checkId(String parameter, String value) {
        if (value.isEmpty() || value.length() > Limits.MAX_ID_LENGTH || !ID_CHARS.matcher(value).matches()) {
            throw SqsException.invalidParameter(parameter, value, parameter
                    + " can only include alphanumeric and punctuation characters. 1 to 128 in length.");
        }
    }
}
