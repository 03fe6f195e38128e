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
}
