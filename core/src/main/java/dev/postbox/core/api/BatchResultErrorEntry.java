package dev.postbox.core.api;

/** One failed entry of a batch request; {@code code} is the query error code, as AWS reports it. */
public record BatchResultErrorEntry(String id, boolean senderFault, String code, String message) {
}
