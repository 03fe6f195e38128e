package dev.postbox.store.memory.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LongDequeTest {
    /** The elements, first to last. */
    private static List<Long> elements(LongDeque deque) {
        List<Long> all = new ArrayList<>();
        for (int i = 0; i < deque.size(); i++) {
            all.add(deque.get(i));
        }
        return all;
    }

    @Test
    void findsAndRemovesAnElementInTheMiddleAcrossTheRingsWrap() {
        LongDeque deque = new LongDeque();
        for (long i = 0; i < 12; i++) {
            deque.addLast(i);
        }
        for (int i = 0; i < 10; i++) {
            deque.pollFirst(); // head moves to 10 of 16
        }
        for (long i = 12; i < 20; i++) {
            deque.addLast(i); // wraps around the end of the array
        }
        assertThat(elements(deque)).containsExactly(10L, 11L, 12L, 13L, 14L, 15L, 16L, 17L, 18L, 19L);
        assertThat(deque.indexOf(17)).isEqualTo(7);
        assertThat(deque.indexOf(99)).isEqualTo(-1);
        deque.removeAt(deque.indexOf(14));
        deque.removeAt(0);
        deque.removeAt(deque.size() - 1);
        assertThat(elements(deque)).containsExactly(11L, 12L, 13L, 15L, 16L, 17L, 18L);
        deque.addLast(20);
        assertThat(deque.pollFirst()).isEqualTo(11);
        assertThat(elements(deque)).containsExactly(12L, 13L, 15L, 16L, 17L, 18L, 20L);
    }
}
