package dev.postbox.store.memory.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * FIFO queues: strict order within a message group. A group is receivable while its oldest message (its head) is
 * VISIBLE, and a receive takes a group's messages from the head up to the first one that is not VISIBLE (in flight
 * or delayed), so a message is never delivered while an earlier one of its group is in flight. This is AWS's rule:
 * ending the visibility of a group's first message makes the group receivable again even while later messages of it
 * are still in flight.
 *
 * <p>Which group first: groups wait in a line by ticket; a new group draws a ticket at the back, and a group a
 * receive takes from draws a new one, so a group that was just served goes behind the groups it did not touch (as
 * AWS does). Tickets live only in memory: after a restart groups line up in the order of their heads.
 *
 * <p>Invariants: {@code group.messages} holds every message of the group still in the queue, in sequence order; a
 * group is in {@link #receivable} (keyed by its ticket) exactly when its head is VISIBLE.
 */
final class FifoOrder implements VisibleOrder {
    private static final class Group {
        final String id;
        final TreeSet<StoredMessage> messages = new TreeSet<>((a, b) -> Long.compare(a.sequence, b.sequence));
        long ticket;
        boolean listed;

        Group(String id, long ticket) {
            this.id = id;
            this.ticket = ticket;
        }
    }

    private final Map<String, Group> groups = new HashMap<>();
    private final TreeMap<Long, Group> receivable = new TreeMap<>();
    private long nextTicket;

    @Override
    public void added(StoredMessage message) {
        groups.computeIfAbsent(message.groupId, id -> new Group(id, nextTicket++)).messages.add(message);
    }

    @Override
    public void becameVisible(StoredMessage message) {
        refresh(groups.get(message.groupId));
    }

    @Override
    public void leftVisible(StoredMessage message) {
        refresh(groups.get(message.groupId));
    }

    @Override
    public void settled(StoredMessage message) {
        refresh(groups.get(message.groupId));
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
        List<Group> served = new ArrayList<>();
        while (taken.size() < max && !receivable.isEmpty()) {
            Group group = receivable.pollFirstEntry().getValue();
            group.listed = false;
            served.add(group);
            for (StoredMessage message : group.messages) {
                if (message.state != StoredMessage.State.VISIBLE || taken.size() == max) {
                    break;
                }
                taken.add(message);
            }
        }
        // Served groups go to the back, in the order they were served; their heads are now taken, so they are
        // listed again only when a head becomes visible (released, timed out, or its successor's turn).
        for (Group group : served) {
            group.ticket = nextTicket++;
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

    private static boolean headVisible(Group group) {
        return !group.messages.isEmpty() && group.messages.first().state == StoredMessage.State.VISIBLE;
    }

    private void refresh(Group group) {
        if (headVisible(group) == group.listed) {
            return;
        }
        if (group.listed) {
            unlist(group);
        } else {
            receivable.put(group.ticket, group);
            group.listed = true;
        }
    }

    private void unlist(Group group) {
        if (group.listed) {
            receivable.remove(group.ticket);
            group.listed = false;
        }
    }

    /** For invariant checks: exactly the groups whose head is visible are listed, each under its own ticket. */
    boolean consistent() {
        for (Group group : groups.values()) {
            if (headVisible(group) != group.listed || group.listed && receivable.get(group.ticket) != group) {
                return false;
            }
        }
        return receivable.size() == groups.values().stream().filter(g -> g.listed).count();
    }
}
