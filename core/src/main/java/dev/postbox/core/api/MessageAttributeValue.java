package dev.postbox.core.api;

import java.util.List;

/**
 * One message attribute (user or system) as sent and returned. Exactly one of the values is set for a valid
 * attribute; the transport kind (string vs binary) is decided by which one is set, not by the data type prefix.
 * The list values are reserved by AWS ("not implemented") and kept only so their MD5 can be computed.
 */
public record MessageAttributeValue(String dataType, String stringValue, byte[] binaryValue,
                                    List<String> stringListValues, List<byte[]> binaryListValues) {
    public MessageAttributeValue {
        stringListValues = stringListValues == null ? List.of() : List.copyOf(stringListValues);
        binaryListValues = binaryListValues == null ? List.of() : List.copyOf(binaryListValues);
    }

    public static MessageAttributeValue ofString(String dataType, String value) {
        return new MessageAttributeValue(dataType, value, null, null, null);
    }

    public static MessageAttributeValue ofBinary(String dataType, byte[] value) {
        return new MessageAttributeValue(dataType, null, value, null, null);
    }
}
