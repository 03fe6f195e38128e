package dev.postbox.store.memory.engine;

import java.util.Arrays;

/** A growable ring buffer of primitive longs: 8 bytes per element, no boxing. Not thread-safe. */
final class LongDeque {
    private long[] elements = new long[16];
    private int head;
    private int size;

    void addLast(long value) {
        if (size == elements.length) {
            long[] grown = new long[elements.length * 2];
            int firstPart = Math.min(size, elements.length - head);
            System.arraycopy(elements, head, grown, 0, firstPart);
            System.arraycopy(elements, 0, grown, firstPart, size - firstPart);
            elements = grown;
            head = 0;
        }
        elements[(head + size) % elements.length] = value;
        size++;
    }

    long peekFirst() {
        if (size == 0) {
            throw new IllegalStateException("empty");
        }
        return elements[head];
    }

    long pollFirst() {
        long value = peekFirst();
        head = (head + 1) % elements.length;
        size--;
        return value;
    }

    /** The element {@code index} places from the first. */
    long get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException(index);
        }
        return elements[(head + index) % elements.length];
    }

    /** The index of the first element equal to {@code value}, or -1. */
    int indexOf(long value) {
        for (int i = 0; i < size; i++) {
            if (elements[(head + i) % elements.length] == value) {
                return i;
            }
        }
        return -1;
    }

    /** Removes the element {@code index} places from the first (the later ones move up): O(size). */
    void removeAt(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException(index);
        }
        for (int i = index; i < size - 1; i++) {
            elements[(head + i) % elements.length] = elements[(head + i + 1) % elements.length];
        }
        size--;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    void clear() {
        elements = new long[16];
        head = 0;
        size = 0;
    }

    @Override
    public String toString() {
        long[] copy = new long[size];
        for (int i = 0; i < size; i++) {
            copy[i] = elements[(head + i) % elements.length];
        }
        return Arrays.toString(copy);
    }
}
