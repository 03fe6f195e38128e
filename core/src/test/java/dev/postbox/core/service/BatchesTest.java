package dev.postbox.core.service;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BatchesTest {
    @Test
    void entryIdsAreOneToEightyAlphanumericsHyphensOrUnderscores() {
        assertThat(Batches.isValidEntryId("a")).isTrue();
        assertThat(Batches.isValidEntryId("Az09_-")).isTrue();
        assertThat(Batches.isValidEntryId("x".repeat(80))).isTrue();
        assertThat(Batches.isValidEntryId("x".repeat(81))).isFalse();
        assertThat(Batches.isValidEntryId("")).isFalse();
        assertThat(Batches.isValidEntryId(null)).isFalse();
        for (String bad : new String[] {"a b", "a.b", "a/b", "é", "a:b", "[", "`", "{", "@"}) {
            assertThat(Batches.isValidEntryId(bad)).as(bad).isFalse();
        }
    }
}
