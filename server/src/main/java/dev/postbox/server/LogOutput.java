package dev.postbox.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Map;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The launcher's log output (java.util.logging, where System.Logger, Flyway and HikariCP's SLF4J write): one line
 * per record on stderr, as text or as a JSON object for log shippers ({@code logging.format}). A record whose one
 * parameter is a map (the access log's fields) has them as fields of its JSON object. An embedding application
 * keeps its own logging: only {@link Main} installs this.
 */
final class LogOutput {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LogOutput() {
    }

    static void install(PostboxConfig.LogFormat format) {
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        ConsoleHandler console = new ConsoleHandler();
        console.setLevel(Level.ALL);
        console.setFormatter(format == PostboxConfig.LogFormat.JSON ? new JsonLines() : new TextLines());
        root.addHandler(console);
    }

    /** A line the launcher prints on stdout (where it listens, its configuration), in the log format. */
    static String line(PostboxConfig.LogFormat format, String message) {
        if (format == PostboxConfig.LogFormat.TEXT) {
            return message;
        }
        ObjectNode line = JSON.createObjectNode();
        line.put("time", Instant.now().toString());
        line.put("level", "INFO");
        line.put("logger", Main.class.getName());
        line.put("message", message);
        return line.toString();
    }

    /** {@code 2026-12-03T14:55:00.123Z INFO dev.postbox.access message}, then the stack trace if any. */
    static final class TextLines extends Formatter {
        @Override
        public String format(LogRecord record) {
            StringBuilder line = new StringBuilder().append(record.getInstant()).append(' ')
                    .append(record.getLevel().getName()).append(' ').append(record.getLoggerName()).append(' ')
                    .append(message(this, record)).append(System.lineSeparator());
            if (record.getThrown() != null) {
                line.append(stackTrace(record.getThrown()));
            }
            return line.toString();
        }
    }

    /** One JSON object per line: time, level, logger, message, the record's fields, error. */
    static final class JsonLines extends Formatter {
        @Override
        public String format(LogRecord record) {
            ObjectNode line = JSON.createObjectNode();
            line.put("time", record.getInstant().toString());
            line.put("level", record.getLevel().getName());
            line.put("logger", record.getLoggerName());
            line.put("message", message(this, record));
            Map<?, ?> fields = fields(record);
            if (fields != null) {
                fields.forEach((key, value) -> line.putPOJO(String.valueOf(key), value));
            }
            if (record.getThrown() != null) {
                line.put("error", stackTrace(record.getThrown()));
            }
            try {
                return JSON.writeValueAsString(line) + System.lineSeparator();
            } catch (JsonProcessingException e) {
                return "{\"message\":\"unprintable log record\"}" + System.lineSeparator();
            }
        }
    }

    /** The fields of a record that carries them as its one parameter (the access log's), else null. */
    private static Map<?, ?> fields(LogRecord record) {
        Object[] parameters = record.getParameters();
        return parameters != null && parameters.length == 1 && parameters[0] instanceof Map<?, ?> fields
                ? fields : null;
    }

    /** A record with fields has its message as written (a queue URL may hold braces); others are formatted. */
    private static String message(Formatter formatter, LogRecord record) {
        return fields(record) != null ? record.getMessage() : formatter.formatMessage(record);
    }

    private static String stackTrace(Throwable thrown) {
        StringWriter text = new StringWriter();
        thrown.printStackTrace(new PrintWriter(text));
        return text.toString();
    }
}
