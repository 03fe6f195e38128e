package dev.postbox.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MessageRulesTest {
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
