package dev.postbox.store.memory.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Standard queues: oldest first within a tenant, round-robin across tenants, so that a tenant with a large backlog
 * cannot starve the others (AWS fair queues). A tenant is a {@code MessageGroupId}; messages without one share one
 * tenant. With a single tenant this is plain oldest-first order.
 *
 * <p>Cold messages: with payloads in the store ({@link Payloads#IN_STORE}), a visible message that was never
 * received is kept as two primitive longs (sequence, retention start) in its tenant's cold deques instead of an
 * object — 16 bytes of heap — so that a backlog of millions fits a small heap. A receive materialises it (through
 * {@link Materializer}) when its turn comes.
 *
 * <p>Invariant: a tenant is in {@link #rotation} exactly when it has visible (hot or cold) messages; each tenant's
 * cold sequences ascend.
 */
final class FairOrder implements VisibleOrder {
    private static final String NO_GROUP = "\u0000no-group";

    /** Turns a cold message into an indexed, VISIBLE {@link StoredMessage} of the queue. */
    interface Materializer {
        StoredMessage materialize(long sequence, String groupId, long retainedFromMillis);
    }

    private static final class Tenant {
        final String id;
        final String groupId;
        final TreeMap<Long, StoredMessage> visible = new TreeMap<>();
        final LongDeque coldSequences = new LongDeque();
        final LongDeque coldRetainedFrom = new LongDeque();

        Tenant(String id, String groupId) {
            this.id = id;
            this.groupId = groupId;
        }

        boolean isEmpty() {
            return visible.isEmpty() && coldSequences.isEmpty();
        }
    }

    private final Map<String, Tenant> tenants = new HashMap<>();
    private final ArrayDeque<Tenant> rotation = new ArrayDeque<>();
    private final Materializer materializer;
    private long coldCount;

    FairOrder(Materializer materializer) {
        this.materializer = materializer;
    }

    private Tenant tenant(String groupId) {
        return tenants.computeIfAbsent(groupId == null ? NO_GROUP : groupId, id -> new Tenant(id, groupId));
    }

    /** Adds a never-received visible message as cold; sequences must arrive ascending per tenant. */
    void addCold(long sequence, String groupId, long retainedFromMillis) {
        Tenant tenant = tenant(groupId);
        if (tenant.isEmpty()) {
            rotation.addLast(tenant);
        }
        tenant.coldSequences.addLast(sequence);
        tenant.coldRetainedFrom.addLast(retainedFromMillis);
        coldCount++;
    }

    long coldCount() {
        return coldCount;
    }

    /**
     * Materializes one cold message out of its turn, keeping its place (it joins its tenant's visible messages, which
     * are taken in sequence order with the cold ones): an operator deletes it by its sequence. Null when it is not
     * cold. O(the tenant's cold messages).
     */
    StoredMessage materializeCold(long sequence) {
        if (coldCount == 0) {
            return null;
        }
        for (Tenant tenant : rotation) {
            int index = tenant.coldSequences.indexOf(sequence);
            if (index >= 0) {
                long retainedFromMillis = tenant.coldRetainedFrom.get(index);
                tenant.coldSequences.removeAt(index);
                tenant.coldRetainedFrom.removeAt(index);
                coldCount--;
                StoredMessage message = materializer.materialize(sequence, tenant.groupId, retainedFromMillis);
                tenant.visible.put(sequence, message);
                return message;
            }
        }
        return null;
    }

    /** A cold message's sequence and when its retention began (epoch millis). */
    @FunctionalInterface
    interface ColdVisitor {
        void visit(long sequence, long retainedFromMillis);
    }

    /** Visits every cold message (not yet materialized; its payload is in the store). */
    void forEachCold(ColdVisitor visitor) {
        if (coldCount == 0) {
            return;
        }
        for (Tenant tenant : rotation) {
            for (int i = 0; i < tenant.coldSequences.size(); i++) {
                visitor.visit(tenant.coldSequences.get(i), tenant.coldRetainedFrom.get(i));
            }
        }
    }

    /** When the oldest cold message's retention began (epoch millis), or Long.MAX_VALUE when there is none. */
    long oldestColdRetainedFromMillis() {
        long oldest = Long.MAX_VALUE;
        if (coldCount > 0) {
            for (Tenant tenant : rotation) {
                if (!tenant.coldRetainedFrom.isEmpty()) {
                    oldest = Math.min(oldest, tenant.coldRetainedFrom.peekFirst());
                }
            }
        }
        return oldest;
    }

    /** Drops cold messages whose retention started at or before the cutoff, reporting each sequence. */
    void expireCold(long cutoffMillis, java.util.function.LongConsumer dropped) {
        if (coldCount == 0) {
            return;
        }
        for (Tenant tenant : List.copyOf(rotation)) {
            while (!tenant.coldSequences.isEmpty() && tenant.coldRetainedFrom.peekFirst() <= cutoffMillis) {
                tenant.coldRetainedFrom.pollFirst();
                dropped.accept(tenant.coldSequences.pollFirst());
                coldCount--;
            }
            forgetIfEmpty(tenant);
        }
    }

    /** Drops cold messages with sequences up to {@code lastSequence} (a purge). */
    void purgeColdUpTo(long lastSequence) {
        for (Tenant tenant : List.copyOf(rotation)) {
            while (!tenant.coldSequences.isEmpty() && tenant.coldSequences.peekFirst() <= lastSequence) {
                tenant.coldSequences.pollFirst();
                tenant.coldRetainedFrom.pollFirst();
                coldCount--;
            }
            forgetIfEmpty(tenant);
        }
    }

    private void forgetIfEmpty(Tenant tenant) {
        if (tenant.isEmpty()) {
            rotation.remove(tenant);
            tenants.remove(tenant.id);
        }
    }

    private static String tenantOf(StoredMessage message) {
        return message.groupId == null ? NO_GROUP : message.groupId;
    }

    @Override
    public void added(StoredMessage message) {
    }

    @Override
    public void becameVisible(StoredMessage message) {
        Tenant tenant = tenant(message.groupId);
        if (tenant.isEmpty()) {
            rotation.addLast(tenant);
        }
        tenant.visible.put(message.sequence, message);
    }

    @Override
    public void leftVisible(StoredMessage message) {
        removeVisible(message);
    }

    @Override
    public void settled(StoredMessage message) {
    }

    @Override
    public void removed(StoredMessage message, StoredMessage.State lastState) {
        if (lastState == StoredMessage.State.VISIBLE) {
            removeVisible(message);
        }
    }

    private void removeVisible(StoredMessage message) {
        Tenant tenant = tenants.get(tenantOf(message));
        if (tenant != null && tenant.visible.remove(message.sequence) != null) {
            forgetIfEmpty(tenant);
        }
    }

    @Override
    public List<StoredMessage> take(int max) {
        List<StoredMessage> taken = new ArrayList<>(Math.min(max, 16));
        while (taken.size() < max && !rotation.isEmpty()) {
            Tenant tenant = rotation.pollFirst();
            long hot = tenant.visible.isEmpty() ? Long.MAX_VALUE : tenant.visible.firstKey();
            long cold = tenant.coldSequences.isEmpty() ? Long.MAX_VALUE : tenant.coldSequences.peekFirst();
            if (cold < hot) {
                tenant.coldSequences.pollFirst();
                coldCount--;
                taken.add(materializer.materialize(cold, tenant.groupId, tenant.coldRetainedFrom.pollFirst()));
            } else {
                taken.add(tenant.visible.pollFirstEntry().getValue());
            }
            if (tenant.isEmpty()) {
                tenants.remove(tenant.id);
            } else {
                rotation.addLast(tenant);
            }
        }
        return taken;
    }

    @Override
    public boolean hasReceivable() {
        return !rotation.isEmpty();
    }

    @Override
    public void clear() {
        tenants.clear();
        rotation.clear();
        coldCount = 0;
    }

    /** For invariant checks: visible messages indexed here. */
    int visibleCount() {
        return tenants.values().stream().mapToInt(t -> t.visible.size()).sum();
    }
}
