package dev.postbox.core.service;

import dev.postbox.core.ErrorCode;
import dev.postbox.core.Limits;
import dev.postbox.core.SqsException;
import dev.postbox.core.api.BatchResultErrorEntry;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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

    /** The ids of the entries that succeeded and the failures of the others, each list in request order. */
    record Outcomes(List<String> successful, List<BatchResultErrorEntry> failed) {
    }

    /**
     * Starts every entry's step before awaiting any (a durable store commits them together), and completes once all
     * are done. An entry whose step throws or fails with an {@code SqsException} fails alone; anything else fails the
     * whole request, as it would a single call.
     */
    static <E> CompletableFuture<Outcomes> each(List<E> entries, Function<E, String> id,
                                                Function<E, CompletableFuture<?>> step) {
        List<CompletableFuture<BatchResultErrorEntry>> outcomes = new ArrayList<>(entries.size());
        for (E entry : entries) {
            CompletableFuture<?> done;
            try {
                done = step.apply(entry);
            } catch (SqsException e) {
                done = CompletableFuture.failedFuture(e);
            }
            outcomes.add(done.handle((result, failure) -> failure == null ? null
                    : failure(id.apply(entry), entryFailure(failure))));
        }
        return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).thenApply(all -> {
            List<String> successful = new ArrayList<>();
            List<BatchResultErrorEntry> failed = new ArrayList<>();
            for (int i = 0; i < outcomes.size(); i++) {
                BatchResultErrorEntry failure = outcomes.get(i).join();
                if (failure == null) {
                    successful.add(id.apply(entries.get(i)));
                } else {
                    failed.add(failure);
                }
            }
            return new Outcomes(successful, failed);
        });
    }

    /** The SQS error that fails one entry of a batch; anything else fails the whole request (as when thrown). */
    private static SqsException entryFailure(Throwable failure) {
        Throwable cause = failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
        if (cause instanceof SqsException e) {
            return e;
        }
        throw failure instanceof CompletionException c ? c : new CompletionException(cause);
    }
}
