package dev.postbox.core;

import dev.postbox.core.api.BatchResultErrorEntry;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/** The whole-request rules shared by the three batch operations (sqs-reference.md §5.8). */
final class Batches {
    private static final int MAX_ENTRY_ID_LENGTH = 80;

    private Batches() {
    }

    /**
     * {@code [A-Za-z0-9_-]{1,80}}, checked by hand: a regex match per entry was ~3% of the server's CPU in a drain
     * (ten DeleteMessageBatch entries per ten messages).
     */
    static boolean isValidEntryId(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_ENTRY_ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    static <E> void check(List<E> entries, Function<E, String> id, String entryName) {
        if (entries == null || entries.isEmpty()) {
            throw new SqsException(ErrorCode.EMPTY_BATCH_REQUEST,
                    "There should be at least one " + entryName + " in the request.");
        }
        if (entries.size() > Limits.MAX_BATCH_ENTRIES) {
            throw new SqsException(ErrorCode.TOO_MANY_ENTRIES_IN_BATCH_REQUEST, "Maximum number of entries per request"
                    + " are " + Limits.MAX_BATCH_ENTRIES + ". You have sent " + entries.size() + ".");
        }
        Set<String> seen = new HashSet<>();
        for (E entry : entries) {
            String entryId = id.apply(entry);
            if (!isValidEntryId(entryId)) {
                throw new SqsException(ErrorCode.INVALID_BATCH_ENTRY_ID, "A batch entry id can only contain"
                        + " alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.");
            }
        }
        for (E entry : entries) {
            String entryId = id.apply(entry);
            if (!seen.add(entryId)) {
                throw new SqsException(ErrorCode.BATCH_ENTRY_IDS_NOT_DISTINCT, "Id " + entryId + " repeated.");
            }
        }
    }

    static BatchResultErrorEntry failure(String id, SqsException e) {
        return new BatchResultErrorEntry(id, e.code().senderFault(), e.code().queryCode(), e.getMessage());
    }
}
