package dev.postbox.core;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pins the wire identity of every error to the catalogue in sqs-reference.md §1.5 (typed in here from it, not
 * derived from the enum): the JSON shape, the query code, the HTTP status, and who is at fault. A new code must
 * be added here on purpose. The SDKs' own error types check the modeled ones again in the spec module
 * ({@code ErrorCodesMatchTheSdksTest}).
 */
class ErrorCodeTest {
    private record Wire(String shape, String queryCode, int status, boolean modeled, String fault) {
    }

    private static final Map<ErrorCode, Wire> CATALOGUE = Map.ofEntries(
            Map.entry(ErrorCode.BATCH_ENTRY_IDS_NOT_DISTINCT, new Wire("BatchEntryIdsNotDistinct",
                    "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400, true, "Sender")),
            Map.entry(ErrorCode.BATCH_REQUEST_TOO_LONG, new Wire("BatchRequestTooLong",
                    "AWS.SimpleQueueService.BatchRequestTooLong", 400, true, "Sender")),
            Map.entry(ErrorCode.EMPTY_BATCH_REQUEST, new Wire("EmptyBatchRequest",
                    "AWS.SimpleQueueService.EmptyBatchRequest", 400, true, "Sender")),
            Map.entry(ErrorCode.INVALID_ATTRIBUTE_NAME, new Wire("InvalidAttributeName", "InvalidAttributeName", 400,
                    true, "Sender")),
            Map.entry(ErrorCode.INVALID_ATTRIBUTE_VALUE, new Wire("InvalidAttributeValue", "InvalidAttributeValue",
                    400, true, "Sender")),
            Map.entry(ErrorCode.INVALID_BATCH_ENTRY_ID, new Wire("InvalidBatchEntryId",
                    "AWS.SimpleQueueService.InvalidBatchEntryId", 400, true, "Sender")),
            Map.entry(ErrorCode.INVALID_MESSAGE_CONTENTS, new Wire("InvalidMessageContents", "InvalidMessageContents",
                    400, true, "Sender")),
            Map.entry(ErrorCode.MESSAGE_NOT_INFLIGHT, new Wire("MessageNotInflight",
                    "AWS.SimpleQueueService.MessageNotInflight", 400, true, "Sender")),
            Map.entry(ErrorCode.OVER_LIMIT, new Wire("OverLimit", "OverLimit", 403, true, "Sender")),
            Map.entry(ErrorCode.PURGE_QUEUE_IN_PROGRESS, new Wire("PurgeQueueInProgress",
                    "AWS.SimpleQueueService.PurgeQueueInProgress", 403, true, "Sender")),
            Map.entry(ErrorCode.QUEUE_DELETED_RECENTLY, new Wire("QueueDeletedRecently",
                    "AWS.SimpleQueueService.QueueDeletedRecently", 400, true, "Sender")),
            Map.entry(ErrorCode.QUEUE_DOES_NOT_EXIST, new Wire("QueueDoesNotExist",
                    "AWS.SimpleQueueService.NonExistentQueue", 400, true, "Sender")),
            Map.entry(ErrorCode.QUEUE_NAME_EXISTS, new Wire("QueueNameExists", "QueueAlreadyExists", 400, true,
                    "Sender")),
            Map.entry(ErrorCode.RECEIPT_HANDLE_IS_INVALID, new Wire("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid",
                    404, true, "Sender")),
            Map.entry(ErrorCode.RESOURCE_NOT_FOUND, new Wire("ResourceNotFoundException", "ResourceNotFoundException",
                    404, true, "Sender")),
            Map.entry(ErrorCode.TOO_MANY_ENTRIES_IN_BATCH_REQUEST, new Wire("TooManyEntriesInBatchRequest",
                    "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400, true, "Sender")),
            Map.entry(ErrorCode.UNSUPPORTED_OPERATION, new Wire("UnsupportedOperation",
                    "AWS.SimpleQueueService.UnsupportedOperation", 400, true, "Sender")),
            Map.entry(ErrorCode.INVALID_PARAMETER_VALUE, new Wire("InvalidParameterValueException",
                    "InvalidParameterValue", 400, false, "Sender")),
            Map.entry(ErrorCode.MISSING_PARAMETER, new Wire("MissingRequiredParameterException", "MissingParameter",
                    400, false, "Sender")),
            Map.entry(ErrorCode.INVALID_ACTION, new Wire("UnknownOperationException", "InvalidAction", 400, false,
                    "Sender")),
            Map.entry(ErrorCode.MALFORMED_REQUEST, new Wire("SerializationException", "MalformedQueryString", 400,
                    false, "Sender")),
            Map.entry(ErrorCode.REQUEST_TOO_LARGE, new Wire("RequestEntityTooLargeException", "RequestEntityTooLarge",
                    413, false, "Sender")),
            Map.entry(ErrorCode.SERVICE_UNAVAILABLE, new Wire("ServiceUnavailableException", "ServiceUnavailable",
                    503, false, "Receiver")),
            Map.entry(ErrorCode.INTERNAL_ERROR, new Wire("InternalFailure", "InternalError", 500, false,
                    "Receiver")),
            // Authentication (issue 20): query codes as SQS answers them, JSON shapes as AWS's JSON services do.
            Map.entry(ErrorCode.MISSING_AUTHENTICATION_TOKEN, new Wire("MissingAuthenticationTokenException",
                    "MissingAuthenticationToken", 403, false, "Sender")),
            Map.entry(ErrorCode.INVALID_CLIENT_TOKEN_ID, new Wire("UnrecognizedClientException",
                    "InvalidClientTokenId", 403, false, "Sender")),
            Map.entry(ErrorCode.SIGNATURE_DOES_NOT_MATCH, new Wire("InvalidSignatureException",
                    "SignatureDoesNotMatch", 403, false, "Sender")),
            Map.entry(ErrorCode.INCOMPLETE_SIGNATURE, new Wire("IncompleteSignatureException",
                    "IncompleteSignature", 400, false, "Sender")),
            Map.entry(ErrorCode.ACCESS_DENIED, new Wire("AccessDeniedException", "AccessDenied", 403, false,
                    "Sender")));

    @Test
    void everyErrorHasTheWireIdentityOfTheCatalogue() {
        assertThat(CATALOGUE.keySet()).as("every code is in the catalogue")
                .containsExactlyInAnyOrder(ErrorCode.values());
        assertThat(Arrays.stream(ErrorCode.values()).map(code -> new Wire(code.shapeName(), code.queryCode(),
                code.httpStatus(), code.modeled(), code.senderFault() ? "Sender" : "Receiver")))
                .containsExactlyElementsOf(Arrays.stream(ErrorCode.values()).map(CATALOGUE::get).toList());
    }
}
