package dev.postbox.core;

/** A request failed with an SQS error. The message is sent to the client verbatim: it must name facts, never internals. */
public final class SqsException extends RuntimeException {
    private final ErrorCode code;

    public SqsException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    public static SqsException invalidParameter(String parameter, Object value, String reason) {
        return new SqsException(ErrorCode.INVALID_PARAMETER_VALUE,
                "Value " + value + " for parameter " + parameter + " is invalid. Reason: " + reason);
    }

    public static SqsException missingParameter(String parameter) {
        return new SqsException(ErrorCode.MISSING_PARAMETER, "The request must contain the parameter " + parameter + ".");
    }

    public static SqsException queueDoesNotExist() {
        return new SqsException(ErrorCode.QUEUE_DOES_NOT_EXIST, "The specified queue does not exist.");
    }
}
