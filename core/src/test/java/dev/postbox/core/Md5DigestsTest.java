package dev.postbox.core;

import dev.postbox.core.api.MessageAttributeValue;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Test vectors of sqs-reference.md §4.7; the first six were recorded from real AWS. */
class Md5DigestsTest {
    private static MessageAttributeValue string(String type, String value) {
        return MessageAttributeValue.ofString(type, value);
    }

    @Test
    void body() {
        assertThat(Md5Digests.ofBody("msg")).isEqualTo("6e2baaf3b97dbeef01c0043275f9a0e7");
        assertThat(Md5Digests.ofBody("héllo ✓")).isEqualTo("21b1ae5bc147bb564254200a4731e337");
    }

    @Test
    void attributesRecordedFromAws() {
        assertThat(Md5Digests.ofAttributes(Map.of("Foo", string("String", "Bar"))))
                .isEqualTo("ae7155c6026991b6d54b11589678bf9c");
        assertThat(Md5Digests.ofAttributes(Map.of("Hello", string("String", "There"))))
                .isEqualTo("a311262e065454b75da111d535b8dacd");
        assertThat(Md5Digests.ofAttributes(Map.of("General", string("String", "Kenobi"),
                "Hello", string("String", "There")))).isEqualTo("fca026605781cb4126a1e9044df24232");
        assertThat(Md5Digests.ofAttributes(Map.of("Help.Me", string("String", "Me"), "Hello", string("String", "There"),
                "General", string("String", "Kenobi")))).isEqualTo("4c360f3fdafd970e05fae2f149d997f5");
        byte[] binary = "traceparent\u001e00-774062d6c37081a5a0b9b5b88e30627c-2d2482211f6489da-01"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(Md5Digests.ofAttributes(Map.of("attr1", MessageAttributeValue.ofBinary("Binary", binary))))
                .isEqualTo("8cbe4db156db8a94db8b801b7addb984");
    }

    @Test
    void numbersCustomTypesAndSystemAttributes() {
        assertThat(Md5Digests.ofAttributes(Map.of("count", string("Number", "42"))))
                .isEqualTo("2ee5fa915753ff72599b2514463a2897");
        assertThat(Md5Digests.ofAttributes(Map.of("n", string("Number.int", "7"))))
                .isEqualTo("f3c2a2801c523d26c8996134de718052");
        assertThat(Md5Digests.ofAttributes(Map.of("a", string("String.custom", "x"),
                "b", MessageAttributeValue.ofBinary("Binary", new byte[]{0, 1, 2}), "count", string("Number", "42"))))
                .isEqualTo("829b885c78d6aa10e28ced657435f2f2");
        assertThat(Md5Digests.ofAttributes(Map.of("AWSTraceHeader", string("String",
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"))))
                .isEqualTo("5ae4d5d7636402d80f4eb6d213245a88");
        assertThat(Md5Digests.ofAttributes(Map.of())).isNull();
    }
}
