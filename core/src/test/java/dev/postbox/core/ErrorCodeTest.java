package dev.postbox.core;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Pins the wire identity of the errors SDKs and applications match on (sqs-reference.md §1.5). */
class ErrorCodeTest {
    @Test
    void wireIdentities() {
        assertThat(ErrorCode.QUEUE_DOES_NOT_EXIST.queryCode()).isEqualTo("AWS.SimpleQueueService.NonExistentQueue");
        assertThat(ErrorCode.QUEUE_DOES_NOT_EXIST.shapeName()).isEqualTo("QueueDoesNotExist");
        assertThat(ErrorCode.QUEUE_NAME_EXISTS.queryCode()).isEqualTo("QueueAlreadyExists");
        assertThat(ErrorCode.RECEIPT_HANDLE_IS_INVALID.httpStatus()).isEqualTo(404);
        assertThat(ErrorCode.PURGE_QUEUE_IN_PROGRESS.httpStatus()).isEqualTo(403);
        assertThat(ErrorCode.OVER_LIMIT.httpStatus()).isEqualTo(403);
        assertThat(ErrorCode.INVALID_PARAMETER_VALUE.shapeName()).isEqualTo("InvalidParameterValueException");
        assertThat(ErrorCode.INVALID_PARAMETER_VALUE.modeled()).isFalse();
        assertThat(ErrorCode.MISSING_PARAMETER.queryCode()).isEqualTo("MissingParameter");
        assertThat(ErrorCode.INTERNAL_ERROR.senderFault()).isFalse();
        for (ErrorCode code : ErrorCode.values()) {
            assertThat(code.senderFault()).isEqualTo(code.httpStatus() < 500);
        }
    }
}
