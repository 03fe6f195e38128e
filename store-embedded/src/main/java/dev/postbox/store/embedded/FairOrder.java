package dev.postbox.store.embedded;

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
 * <p>Invariant: a tenant is in {@link #rotation} exactly when it has visible messages.
 */
final class FairOrder implements VisibleOrder {
    private static final String NO_GROUP = "\u0000no-group";

    private static final class Tenant {
        final String id;
        final TreeMap<Long, StoredMessage> visible = new TreeMap<>();

        Tenant(String id) {
            this.id = id;
        }
    }

    private final Map<String, Tenant> tenants = new HashMap<>();
    private final ArrayDeque<Tenant> rotation = new ArrayDeque<>();

    private static String tenantOf(StoredMessage message) {
        return message.groupId == null ? NO_GROUP : message.groupId;
    }

    @Override
    public void added(StoredMessage message) {
    }

    @Override
    public void becameVisible(StoredMessage message) {
        Tenant tenant = tenants.computeIfAbsent(tenantOf(message), Tenant::new);
        if (tenant.visible.isEmpty()) {
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
        if (tenant != null && tenant.visible.remove(message.sequence) != null && tenant.visible.isEmpty()) {
            rotation.remove(tenant);
            tenants.remove(tenant.id);
        }
    }

    @Override
    public List<StoredMessage> take(int max) {
        List<StoredMessage> taken = new ArrayList<>(Math.min(max, 16));
        while (taken.size() < max && !rotation.isEmpty()) {
            Tenant tenant = rotation.pollFirst();
            taken.add(tenant.visible.pollFirstEntry().getValue());
            if (tenant.visible.isEmpty()) {
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
    }

    /** For invariant checks: visible messages indexed here. */
    int visibleCount() {
        return tenants.values().stream().mapToInt(t -> t.visible.size()).sum();
    }
}
