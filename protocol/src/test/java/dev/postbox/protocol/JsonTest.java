package dev.postbox.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The streaming tree codec against ObjectMapper's readTree and writeValueAsBytes with their defaults, as the oracle. */
class JsonTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {
            "{}",
            " {\"QueueUrl\":\"http://localhost/000000000000/q\",\"MaxNumberOfMessages\":10,\"WaitTimeSeconds\":0} ",
            "{\"a\":{\"b\":[1,2,{\"c\":[]}],\"d\":{}},\"e\":[[],[null]]}",
            "{\"int\":2147483647,\"long\":2147483648,\"big\":123456789012345678901234567890,\"neg\":-9223372036854775808}",
            "{\"double\":1.5,\"exp\":1e3,\"negexp\":-2.5E-3,\"zero\":0.0}",
            "{\"t\":true,\"f\":false,\"n\":null}",
            "{\"text\":\"line\\nbreak \\\"quoted\\\" \\u00e9\\ud83d\\ude00 tab\\t\"}",
            "{\"k\":1,\"k\":2}",
            "{\"Entries\":[{\"Id\":\"a\",\"MessageBody\":\"x\"},{\"Id\":\"b\",\"MessageBody\":\"y\"}]} trailing",
            "[1,\"two\",3.0]",
            "\"just a string\"",
            "42"})
    void readsTheTreesObjectMapperReads(String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        JsonNode expected = MAPPER.readTree(bytes);

        JsonNode tree = Json.read(bytes);

        assertThat(tree).isEqualTo(expected);
        // equals() on number nodes compares values: the node types (int, long, big integer, double) must match too
        assertThat(tree.toString()).isEqualTo(expected.toString());
        assertThat(Json.write(tree)).isEqualTo(MAPPER.writeValueAsBytes(expected));
    }

    @Test
    void writesEveryKindOfNodeAsObjectMapperDoes() throws IOException {
        com.fasterxml.jackson.databind.node.ObjectNode tree = Json.object();
        tree.put("int", 7).put("long", 1L << 40).put("big", java.math.BigInteger.TEN.pow(30)).put("float", 1.25f)
                .put("double", 0.1).put("decimal", new java.math.BigDecimal("12.50")).put("true", true)
                .put("binary", new byte[] {0, 1, 2, (byte) 255}).putNull("null").put("text", "é \" \u0001");
        tree.putArray("array").add(1).add("two").addObject().putArray("empty");

        assertThat(Json.write(tree)).isEqualTo(MAPPER.writeValueAsBytes(tree));
    }

    @Test
    void readsNoValueFromWhiteSpace() throws IOException {
        assertThat(Json.read(" \n".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(MAPPER.readTree(" \n".getBytes(StandardCharsets.UTF_8)).isMissingNode()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{", "{\"a\":}", "{\"a\" 1}", "{'a':1}", "[1,]", "{\"a\":tru}", "{\"a\":\"unterminated}"})
    void rejectsWhatObjectMapperRejects(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> MAPPER.readTree(bytes)).isInstanceOf(IOException.class);

        assertThatThrownBy(() -> Json.read(bytes)).isInstanceOf(IOException.class);
    }

    @Test
    void rejectsNestingDeeperThanTheParsersLimit() {
        byte[] deep = ("[".repeat(1_500) + "]".repeat(1_500)).getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> Json.read(deep)).isInstanceOf(IOException.class);
    }

    @Test
    void readsStringsLargerThanJacksonsDefaultLimit() throws IOException {
        String large = "x".repeat(21_000_000); // the default limit is 20,000,000 characters
        JsonNode tree = Json.read(("{\"MessageBody\":\"" + large + "\"}").getBytes(StandardCharsets.UTF_8));

        assertThat(tree.get("MessageBody").asText()).hasSize(21_000_000);
    }
}
