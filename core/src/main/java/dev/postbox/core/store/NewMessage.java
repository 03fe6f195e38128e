package dev.postbox.core.store;

import java.time.Instant;

/** A message to enqueue; it may not be received before {@code visibleAt} (its delay). */
public record NewMessage(MessageData data, Instant visibleAt) {
}
