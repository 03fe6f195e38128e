package dev.postbox.store.memory.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * FIFO queues: strict order within a message group, and a group is locked while any of its messages is in flight.
 * A receive drains as many messages as it can from one group (in order) before it moves to the next; groups are
 * served oldest head first.
 *
 * <p>Invariants: {@code group.messages} holds every message of the group still in the queue, in sequence order;
 * {@code group.inFlight} counts its IN_FLIGHT messages; a group is in {@link #receivable} (keyed by its head's
 * sequence) exactly when it has no message in flight and its head is VISIBLE.
 */
final class FifoOrder implements VisibleOrder {
    private static final class Group {
        final String id;
        final TreeSet<StoredMessage> messages = new TreeSet<>((a, b) -> Long.compare(a.sequence, b.sequence));
        int inFlight;
        Long receivableKey;

        Group(String id) {
            this.id = id;
        }
    }

    private final Map<String, Group> groups = new HashMap<>();
    private final TreeMap<Long, Group> receivable = new TreeMap<>();

    @Override
    public void added(StoredMessage message) {
        groups.computeIfAbsent(message.groupId, Group::new).messages.add(message);
    }

    @Override
    public void becameVisible(StoredMessage message) {
        refresh(groups.get(message.groupId));
    }

    @Override
    public void leftVisible(StoredMessage message) {
        Group group = groups.get(message.groupId);
        group.inFlight++;
        refresh(group);
    }

    @Override
    public void settled(StoredMessage message) {
        Group group = groups.get(message.groupId);
        group.inFlight--;
        refresh(group);
    }

    @Override
    public void removed(StoredMessage message, StoredMessage.State lastState) {
        Group group = groups.get(message.groupId);
        group.messages.remove(message);
        if (group.messages.isEmpty()) {
            unlist(group);
            groups.remove(group.id);
        } else {
            refresh(group);
        }
    }

    @Override
    public List<StoredMessage> take(int max) {
        List<StoredMessage> taken = new ArrayList<>(Math.min(max, 16));
        while (taken.size() < max && !receivable.isEmpty()) {
            Group group = receivable.pollFirstEntry().getValue();
            group.receivableKey = null;
            for (StoredMessage message : group.messages) {
                if (message.state != StoredMessage.State.VISIBLE || taken.size() == max) {
                    break;
                }
                taken.add(message);
                group.inFlight++;
            }
        }
        return taken;
    }

    @Override
    public boolean hasReceivable() {
        return !receivable.isEmpty();
    }

    @Override
    public void clear() {
        groups.clear();
        receivable.clear();
    }

    private void refresh(Group group) {
        boolean shouldBeReceivable = group.inFlight == 0 && !group.messages.isEmpty()
                && group.messages.first().state == StoredMessage.State.VISIBLE;
        Long key = shouldBeReceivable ? group.messages.first().sequence : null;
        if (java.util.Objects.equals(key, group.receivableKey)) {
            return;
        }
        unlist(group);
        if (key != null) {
            receivable.put(key, group);
            group.receivableKey = key;
        }
    }

    private void unlist(Group group) {
        if (group.receivableKey != null) {
            receivable.remove(group.receivableKey);
            group.receivableKey = null;
        }
    }

    /** For invariant checks: in-flight counts agree with message states, and receivable groups are correct. */
    boolean consistent() {
        for (Group group : groups.values()) {
            long inFlight = group.messages.stream().filter(m -> m.state == StoredMessage.State.IN_FLIGHT).count();
            boolean shouldBeReceivable = group.inFlight == 0 && !group.messages.isEmpty()
                    && group.messages.first().state == StoredMessage.State.VISIBLE;
            if (inFlight != group.inFlight || shouldBeReceivable != (group.receivableKey != null)) {
                return false;
            }
        }
        return true;
    }
}
