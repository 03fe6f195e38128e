package dev.postbox.core;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Queue attribute names, defaults and value rules (sqs-reference.md §3). Values are kept in their canonical string
 * form, so that CreateQueue's idempotency check can compare them as strings.
 */
public final class QueueAttributes {
    public static final String ALL = "All";
    public static final String DELAY_SECONDS = "DelaySeconds";
    public static final String MAXIMUM_MESSAGE_SIZE = "MaximumMessageSize";
    public static final String MESSAGE_RETENTION_PERIOD = "MessageRetentionPeriod";
    public static final String RECEIVE_MESSAGE_WAIT_TIME_SECONDS = "ReceiveMessageWaitTimeSeconds";
    public static final String VISIBILITY_TIMEOUT = "VisibilityTimeout";
    public static final String POLICY = "Policy";
    public static final String REDRIVE_POLICY = "RedrivePolicy";
    public static final String REDRIVE_ALLOW_POLICY = "RedriveAllowPolicy";
    public static final String KMS_MASTER_KEY_ID = "KmsMasterKeyId";
    public static final String KMS_DATA_KEY_REUSE_PERIOD_SECONDS = "KmsDataKeyReusePeriodSeconds";
    public static final String SQS_MANAGED_SSE_ENABLED = "SqsManagedSseEnabled";
    public static final String FIFO_QUEUE = "FifoQueue";
    public static final String CONTENT_BASED_DEDUPLICATION = "ContentBasedDeduplication";
    public static final String DEDUPLICATION_SCOPE = "DeduplicationScope";
    public static final String FIFO_THROUGHPUT_LIMIT = "FifoThroughputLimit";
    public static final String QUEUE_ARN = "QueueArn";
    public static final String CREATED_TIMESTAMP = "CreatedTimestamp";
    public static final String LAST_MODIFIED_TIMESTAMP = "LastModifiedTimestamp";
    public static final String APPROXIMATE_NUMBER_OF_MESSAGES = "ApproximateNumberOfMessages";
    public static final String APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE = "ApproximateNumberOfMessagesNotVisible";
    public static final String APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED = "ApproximateNumberOfMessagesDelayed";

    /** Every name GetQueueAttributes accepts (the model's QueueAttributeName enum). */
    public static final Set<String> KNOWN = Set.of(ALL, DELAY_SECONDS, MAXIMUM_MESSAGE_SIZE, MESSAGE_RETENTION_PERIOD,
            RECEIVE_MESSAGE_WAIT_TIME_SECONDS, VISIBILITY_TIMEOUT, POLICY, REDRIVE_POLICY, REDRIVE_ALLOW_POLICY,
            KMS_MASTER_KEY_ID, KMS_DATA_KEY_REUSE_PERIOD_SECONDS, SQS_MANAGED_SSE_ENABLED, FIFO_QUEUE,
            CONTENT_BASED_DEDUPLICATION, DEDUPLICATION_SCOPE, FIFO_THROUGHPUT_LIMIT, QUEUE_ARN, CREATED_TIMESTAMP,
            LAST_MODIFIED_TIMESTAMP, APPROXIMATE_NUMBER_OF_MESSAGES, APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
            APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED);

    private static final Set<String> FIFO_ONLY = Set.of(FIFO_QUEUE, CONTENT_BASED_DEDUPLICATION, DEDUPLICATION_SCOPE,
            FIFO_THROUGHPUT_LIMIT);

    /** Attributes whose empty value means "remove it". */
    public static final Set<String> CLEARABLE = Set.of(POLICY, REDRIVE_POLICY, REDRIVE_ALLOW_POLICY, KMS_MASTER_KEY_ID);

    private QueueAttributes() {
    }

    /** The attributes a new standard queue starts with. */
    public static Map<String, String> standardDefaults() {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put(DELAY_SECONDS, "0");
        defaults.put(MAXIMUM_MESSAGE_SIZE, "1048576");
        defaults.put(MESSAGE_RETENTION_PERIOD, "345600");
        defaults.put(RECEIVE_MESSAGE_WAIT_TIME_SECONDS, "0");
        defaults.put(VISIBILITY_TIMEOUT, "30");
        defaults.put(SQS_MANAGED_SSE_ENABLED, "true");
        return defaults;
    }

    /** The attributes a new FIFO queue starts with. */
    public static Map<String, String> fifoDefaults() {
        Map<String, String> defaults = standardDefaults();
        defaults.put(FIFO_QUEUE, "true");
        defaults.put(CONTENT_BASED_DEDUPLICATION, "false");
        defaults.put(DEDUPLICATION_SCOPE, "queue");
        defaults.put(FIFO_THROUGHPUT_LIMIT, "perQueue");
        return defaults;
    }

    /**
     * Validates attributes given to CreateQueue or SetQueueAttributes and returns them in canonical form, in request
     * order. Cross-queue rules (redrive targets) are checked by the caller.
     */
    public static Map<String, String> validateSettable(Map<String, String> requested, boolean fifo) {
        Map<String, String> canonical = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : requested.entrySet()) {
            String name = entry.getKey();
            String value = entry.getValue() == null ? "" : entry.getValue();
            if (FIFO_ONLY.contains(name) && !fifo) {
                throw fifoOnly(name);
            }
            canonical.put(name, canonicalValue(name, value));
        }
        if (Boolean.parseBoolean(canonical.get(SQS_MANAGED_SSE_ENABLED))
                && !canonical.getOrDefault(KMS_MASTER_KEY_ID, "").isEmpty()) {
            throw new SqsException(ErrorCode.INVALID_ATTRIBUTE_VALUE, "Invalid value for the parameter "
                    + SQS_MANAGED_SSE_ENABLED + ". Reason: You can use one type of server-side encryption (SSE) at"
                    + " one time. You can either enable KMS SSE or SQS SSE.");
        }
        return canonical;
    }

    private static String canonicalValue(String name, String value) {
        switch (name) {
            case DELAY_SECONDS:
                return integer(name, value, 0, Limits.MAX_DELAY_SECONDS);
            case MAXIMUM_MESSAGE_SIZE:
                return integer(name, value, 1024, 1_048_576);
            case MESSAGE_RETENTION_PERIOD:
                return integer(name, value, 60, 1_209_600);
            case RECEIVE_MESSAGE_WAIT_TIME_SECONDS:
                return integer(name, value, 0, Limits.MAX_WAIT_TIME_SECONDS);
            case VISIBILITY_TIMEOUT:
                return integer(name, value, 0, Limits.MAX_VISIBILITY_TIMEOUT_SECONDS);
            case KMS_DATA_KEY_REUSE_PERIOD_SECONDS:
                return integer(name, value, 60, 86_400);
            case SQS_MANAGED_SSE_ENABLED:
                return bool(name, value);
            case KMS_MASTER_KEY_ID:
                return value;
            case FIFO_QUEUE:
                if (!value.trim().equalsIgnoreCase("true")) {
                    throw new SqsException(ErrorCode.INVALID_ATTRIBUTE_VALUE, "Invalid value for the parameter "
                            + FIFO_QUEUE + ". Reason: Modifying queue type is not supported.");
                }
                return "true";
            case CONTENT_BASED_DEDUPLICATION:
                return bool(name, value);
            case DEDUPLICATION_SCOPE:
                return oneOf(name, value, "queue", "messageGroup");
            case FIFO_THROUGHPUT_LIMIT:
                return oneOf(name, value, "perQueue", "perMessageGroupId");
            case POLICY:
                return value.isEmpty() ? "" : QueuePolicies.validate(value);
            case REDRIVE_POLICY:
                return value.isEmpty() ? "" : RedrivePolicies.parseRedrivePolicy(value).toJson();
            case REDRIVE_ALLOW_POLICY:
                return value.isEmpty() ? "" : RedrivePolicies.parseRedriveAllowPolicy(value).toJson();
            default:
                throw unknown(name);
        }
    }

    private static SqsException fifoOnly(String name) {
        return switch (name) {
            case DEDUPLICATION_SCOPE, FIFO_THROUGHPUT_LIMIT -> new SqsException(ErrorCode.INVALID_ATTRIBUTE_NAME,
                    "You can specify the " + name + " only when FifoQueue is set to true.");
            default -> unknown(name);
        };
    }

    public static SqsException unknown(String name) {
        return new SqsException(ErrorCode.INVALID_ATTRIBUTE_NAME, "Unknown Attribute " + name + ".");
    }

    private static String integer(String name, String value, int min, int max) {
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed >= min && parsed <= max) {
                return Integer.toString(parsed);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new SqsException(ErrorCode.INVALID_ATTRIBUTE_VALUE, "Invalid value for the parameter " + name
                + ". Reason: " + value + " must be an integer between " + min + " and " + max + ".");
    }

    private static String oneOf(String name, String value, String... allowed) {
        for (String candidate : allowed) {
            if (candidate.equals(value.trim())) {
                return candidate;
            }
        }
        throw new SqsException(ErrorCode.INVALID_ATTRIBUTE_VALUE, "Invalid value for the parameter " + name
                + ". Reason: " + value + " must be one of " + String.join(", ", allowed) + ".");
    }

    private static String bool(String name, String value) {
        String lower = value.trim().toLowerCase(Locale.ROOT);
        if (lower.equals("true") || lower.equals("false")) {
            return lower;
        }
        throw new SqsException(ErrorCode.INVALID_ATTRIBUTE_VALUE, "Invalid value for the parameter " + name
                + ". Reason: " + value + " must be true or false.");
    }
}
