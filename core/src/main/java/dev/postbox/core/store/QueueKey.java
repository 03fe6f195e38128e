package dev.postbox.core.store;

/** Identifies a queue: queue names are unique per account (and region, which a server serves one of). */
public record QueueKey(String accountId, String name) {
    @Override
    public String toString() {
        return accountId + "/" + name;
    }
}
