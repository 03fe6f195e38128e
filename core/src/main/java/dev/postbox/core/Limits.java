package dev.postbox.core;

/** SQS quotas and ranges (sqs-reference.md §6.1). */
public final class Limits {
    private Limits() {
    }

    public static final int MAX_QUEUE_NAME_LENGTH = 80;
    public static final int MAX_BATCH_ENTRIES = 10;
    public static final int MAX_BATCH_PAYLOAD_BYTES = 1_048_576;
    public static final int MAX_MESSAGE_ATTRIBUTES = 10;
    public static final int MAX_ATTRIBUTE_NAME_LENGTH = 256;
    public static final int MAX_ATTRIBUTE_TYPE_LENGTH = 256;
    public static final int MAX_DELAY_SECONDS = 900;
    public static final int MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;
    public static final int MAX_WAIT_TIME_SECONDS = 20;
    public static final int MAX_RECEIVE_MESSAGES = 10;
    public static final int MAX_LIST_QUEUES_RESULTS = 1000;
    public static final int MAX_TAGS = 50;
    public static final int MAX_TAG_KEY_LENGTH = 128;
    public static final int MAX_TAG_VALUE_LENGTH = 256;
    public static final int MAX_ID_LENGTH = 128;
    /** Standard queues: short polls fail with OverLimit above this many in-flight messages. */
    public static final int MAX_IN_FLIGHT_STANDARD = 120_000;
    public static final int PURGE_INTERVAL_SECONDS = 60;
    public static final int QUEUE_NAME_REUSE_DELAY_SECONDS = 60;
    /** FIFO: a deduplication id blocks repeats for this long; receive attempt ids live as long. */
    public static final java.time.Duration DEDUPLICATION_INTERVAL = java.time.Duration.ofMinutes(5);
    public static final int MAX_RECEIVE_COUNT = 1000;
    public static final int MAX_REDRIVE_ALLOW_SOURCES = 10;
    public static final int MAX_MOVE_TASK_RATE = 500;
}
