package dev.postbox.core;

/**
 * The single table of SQS errors: the JSON shape name (the part of {@code __type} after {@code #}), the query
 * code (query {@code Code}, JSON {@code x-amzn-query-error}), the HTTP status and who is at fault.
 *
 * <p>Shape names select the exception class in the SDKs; query codes are what applications compare against,
 * so both must be exact (see sqs-reference.md §1.5).
 */
public enum ErrorCode {
    BATCH_ENTRY_IDS_NOT_DISTINCT("BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400),
    BATCH_REQUEST_TOO_LONG("BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong", 400),
    EMPTY_BATCH_REQUEST("EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest", 400),
    INVALID_ATTRIBUTE_NAME("InvalidAttributeName", "InvalidAttributeName", 400),
    INVALID_ATTRIBUTE_VALUE("InvalidAttributeValue", "InvalidAttributeValue", 400),
    INVALID_BATCH_ENTRY_ID("InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId", 400),
    INVALID_MESSAGE_CONTENTS("InvalidMessageContents", "InvalidMessageContents", 400),
    MESSAGE_NOT_INFLIGHT("MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight", 400),
    OVER_LIMIT("OverLimit", "OverLimit", 403),
    PURGE_QUEUE_IN_PROGRESS("PurgeQueueInProgress", "AWS.SimpleQueueService.PurgeQueueInProgress", 403),
    QUEUE_DELETED_RECENTLY("QueueDeletedRecently", "AWS.SimpleQueueService.QueueDeletedRecently", 400),
    QUEUE_DOES_NOT_EXIST("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", 400),
    QUEUE_NAME_EXISTS("QueueNameExists", "QueueAlreadyExists", 400),
    RECEIPT_HANDLE_IS_INVALID("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", 404),
    RESOURCE_NOT_FOUND("ResourceNotFoundException", "ResourceNotFoundException", 404),
    TOO_MANY_ENTRIES_IN_BATCH_REQUEST("TooManyEntriesInBatchRequest",
            "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400),
    UNSUPPORTED_OPERATION("UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", 400),

    // Un-modeled ("coral") errors: AWS names them with an Exception suffix in the JSON protocol.
    INVALID_PARAMETER_VALUE("InvalidParameterValueException", "InvalidParameterValue", 400, false),
    MISSING_PARAMETER("MissingRequiredParameterException", "MissingParameter", 400, false),
    INVALID_ACTION("UnknownOperationException", "InvalidAction", 400, false),
    MALFORMED_REQUEST("SerializationException", "MalformedQueryString", 400, false),
    REQUEST_TOO_LARGE("RequestEntityTooLargeException", "RequestEntityTooLarge", 413, false),
    SERVICE_UNAVAILABLE("ServiceUnavailableException", "ServiceUnavailable", 503, false),
    // Authentication and authorization, as AWS's front door answers them: JSON shape names as its JSON services
    // name them (DynamoDB's documented common errors), query codes as SQS's query protocol does.
    MISSING_AUTHENTICATION_TOKEN("MissingAuthenticationTokenException", "MissingAuthenticationToken", 403, false),
    INVALID_CLIENT_TOKEN_ID("UnrecognizedClientException", "InvalidClientTokenId", 403, false),
    SIGNATURE_DOES_NOT_MATCH("InvalidSignatureException", "SignatureDoesNotMatch", 403, false),
    INCOMPLETE_SIGNATURE("IncompleteSignatureException", "IncompleteSignature", 400, false),
    ACCESS_DENIED("AccessDeniedException", "AccessDenied", 403, false),
    INTERNAL_ERROR("InternalFailure", "InternalError", 500, false);

    private final String shapeName;
    private final String queryCode;
    private final int httpStatus;
    private final boolean modeled;

    ErrorCode(String shapeName, String queryCode, int httpStatus) {
        this(shapeName, queryCode, httpStatus, true);
    }

    ErrorCode(String shapeName, String queryCode, int httpStatus, boolean modeled) {
        this.shapeName = shapeName;
        this.queryCode = queryCode;
        this.httpStatus = httpStatus;
        this.modeled = modeled;
    }

    /** The error shape name; the JSON {@code __type} is {@code <namespace>#<shapeName>}. */
    public String shapeName() {
        return shapeName;
    }

    /** The code clients see: query {@code Error/Code}, JSON {@code x-amzn-query-error} and batch entry {@code Code}. */
    public String queryCode() {
        return queryCode;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** Whether the SQS service model declares this error (namespace {@code com.amazonaws.sqs}) or it is generic. */
    public boolean modeled() {
        return modeled;
    }

    /** Sender (client) fault for 4xx, Receiver (server) fault for 5xx. */
    public boolean senderFault() {
        return httpStatus < 500;
    }
}
