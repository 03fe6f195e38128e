package dev.postbox.core.store;

/**
 * Identifies a queue: queue names are unique per account and region (as on AWS, where two regions' queues of one
 * name are two queues with their own URLs and ARNs).
 */
public record QueueKey(String region, String accountId, String name) {
    @Override
    public String toString() {
        return region + "/" + accountId + "/" + name;
    }
}
