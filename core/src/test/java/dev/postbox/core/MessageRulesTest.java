package dev.postbox.core;

import dev.postbox.core.api.MessageAttributeValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MessageRulesTest {
    private static Map<String, MessageAttributeValue> named(String name) {
        return Map.of(name, new MessageAttributeValue("String", "v", null, null, null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "attr.1øßä", "Größe", "名前", "trace-id_2.x", "x1"})
    void attributeNamesMayHoldLettersAndDigitsOfAnyScript(String name) {
        assertThatCode(() -> MessageRules.checkAttributes(named(name))).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {"has space", "bang!", "semi;colon", ".lead", "trail.", "two..dots", "AWS.x", "amazon.y",
            "tab\there", "ünd\u0000"})
    void attributeNamesKeepAwssRestrictions(String name) {
        assertThatThrownBy(() -> MessageRules.checkAttributes(named(name))).isInstanceOfSatisfying(SqsException.class,
                e -> assertThat(e.getMessage()).contains("'" + name + "' is invalid"));
    }

    @Test
    void attributeNamesAreAtMost256Characters() {
        assertThatCode(() -> MessageRules.checkAttributes(named("ä".repeat(256)))).doesNotThrowAnyException();
        assertThatThrownBy(() -> MessageRules.checkAttributes(named("a".repeat(257))))
                .isInstanceOf(SqsException.class);
    }
    @Test
    void allowedCharactersAreXmlChars() {
        assertThat(MessageRules.hasOnlyAllowedCharacters("tab\tlf\ncr\r \u007f\u0085 \uD7FF \uE000 \uFFFD")).isTrue();
        assertThat(MessageRules.hasOnlyAllowedCharacters("emoji \uD83D\uDE00")).isTrue();
        assertThat(MessageRules.hasOnlyAllowedCharacters("nul \u0000")).isFalse();
        assertThat(MessageRules.hasOnlyAllowedCharacters("bell \u0007")).isFalse();
        assertThat(MessageRules.hasOnlyAllowedCharacters("lone \uD83D surrogate")).isFalse();
        assertThat(MessageRules.hasOnlyAllowedCharacters("trailing \uDE00")).isFalse();
        assertThat(MessageRules.hasOnlyAllowedCharacters("\uFFFE")).isFalse();
        assertThat(MessageRules.hasOnlyAllowedCharacters("\uFFFF")).isFalse();
    }

    @Test
    void utf8LengthIsTheLengthOfTheEncodedBytes() {
        for (String text : new String[] {"", "ascii", "\u007f\u0080 \u07ff\u0800 \uFFFD", "emoji \uD83D\uDE00 \uDBFF\uDFFF",
                "lone \uD83D high", "lone \uDE00 low", "\uDE00\uD83D reversed", "ends high \uD83D", "x".repeat(5000)}) {
            assertThat(MessageRules.utf8Length(text)).as(text)
                    .isEqualTo(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        }
        assertThat(MessageRules.utf8Length(null)).isZero();
    }

    @Test
    void exceedsAgreesWithTheMeasuredSizeOnBothSidesOfTheBound() {
        var attributes = java.util.Map.of("n", new dev.postbox.core.api.MessageAttributeValue("String", "\u00e9\u00e9",
                null, java.util.List.of(), java.util.List.of()));
        String ascii = "x".repeat(100);
        String threeByte = "\u20ac".repeat(100); // 300 bytes, the bound's worst case
        long asciiSize = MessageRules.size(ascii, attributes);
        long threeByteSize = MessageRules.size(threeByte, attributes);
        assertThat(asciiSize).isEqualTo(100 + 1 + 6 + 4);
        assertThat(MessageRules.sizeBound(ascii, attributes)).isGreaterThanOrEqualTo(asciiSize);
        assertThat(MessageRules.sizeBound(threeByte, attributes)).isGreaterThanOrEqualTo(threeByteSize);
        for (long limit : new long[] {asciiSize - 1, asciiSize, asciiSize + 1, 3 * asciiSize}) {
            assertThat(MessageRules.exceeds(ascii, attributes, limit)).as("limit %d", limit).isEqualTo(asciiSize > limit);
        }
        for (long limit : new long[] {threeByteSize - 1, threeByteSize, threeByteSize + 1}) {
            assertThat(MessageRules.exceeds(threeByte, attributes, limit)).as("limit %d", limit)
                    .isEqualTo(threeByteSize > limit);
        }
    }
}
