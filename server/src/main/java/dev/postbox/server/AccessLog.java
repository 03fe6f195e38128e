package dev.postbox.server;

import dev.postbox.protocol.RequestDispatcher;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * {@code logging.access-log}: a line per answered SQS request on the logger {@code dev.postbox.access}: request id,
 * client, operation, queue, status, error code, milliseconds. As text, {@code key=value} pairs; as JSON, fields.
 */
final class AccessLog implements RequestDispatcher.Listener {
    private static final Logger LOG = Logger.getLogger("dev.postbox.access");

    @Override
    public void answered(RequestDispatcher.Answered answered) {
        if (!LOG.isLoggable(Level.INFO)) {
            return;
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("requestId", answered.requestId());
        fields.put("client", answered.remoteAddress());
        fields.put("operation", answered.action());
        fields.put("queue", answered.queueUrl());
        fields.put("status", answered.status());
        fields.put("error", answered.errorCode());
        fields.put("ms", Math.round(answered.nanos() / 10_000.0) / 100.0);
        StringBuilder text = new StringBuilder();
        fields.forEach((key, value) -> text.append(text.isEmpty() ? "" : " ").append(key).append('=')
                .append(value == null ? "-" : value));
        LogRecord record = new LogRecord(Level.INFO, text.toString());
        record.setLoggerName(LOG.getName());
        record.setParameters(new Object[]{fields});
        LOG.log(record);
    }
}
