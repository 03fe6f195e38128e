package dev.postbox.server;

import dev.postbox.core.QueueUrls;
import dev.postbox.store.postgres.PostgresOptions;
import dev.postbox.store.rocksdb.journal.FsyncPolicy;
import dev.postbox.store.rocksdb.journal.Journal;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The server's whole configuration, immutable once built. Sources, lowest precedence first: defaults, a properties
 * file ({@code --config}), environment variables ({@code POSTBOX_HTTP_PORT} for {@code http.port}), command-line
 * flags. Every value is validated at start; an error names the key and the bad value. {@code postgres} is null unless
 * the storage kind is postgres.
 */
public record PostboxConfig(String host, int port, StorageKind storage, Path dataDir, FsyncPolicy fsync,
                            Duration fsyncInterval, int commitLogSegmentBytes, String accountId, String region,
                            String publicBaseUrl, int maxRequestBytes, Duration queueReuseDelay,
                            Duration purgeInterval, PostgresOptions postgres, Auth auth, Tls tls,
                            Listener listener, QueueUrls.Style queueUrlStyle, boolean metricsEnabled,
                            Path queuesFile, Logging logging, boolean consoleEnabled, Map<String, String> values) {

    /**
     * How the launcher logs: {@code text} lines or {@code json} objects (one per line, for log shippers), and
     * whether every request gets an access-log line (operation, queue, status, latency, request id).
     */
    public record Logging(LogFormat format, boolean accessLog) {
    }

    public enum LogFormat { TEXT, JSON }

    /** Keys whose values are never printed. */
    private static final Set<String> SECRETS = Set.of("auth.secret-access-key", "storage.postgres.password");

    /**
     * Every key's effective value, sorted, secrets masked ({@code ***}; a password in the PostgreSQL URL too): the
     * line the launcher prints at start.
     */
    public String effective() {
        StringBuilder line = new StringBuilder();
        new java.util.TreeMap<>(values).forEach((key, value) -> {
            if (value == null || value.isBlank()) {
                return;
            }
            String shown = SECRETS.contains(key) ? "***" : key.equals(STORAGE_POSTGRES_URL)
                    ? value.replaceAll("(?i)(password=)[^&]*", "$1***").replaceAll("//([^:/@]+):[^@/]*@", "//$1:***@")
                    : value;
            line.append(line.isEmpty() ? "" : " ").append(key).append('=').append(shown);
        });
        return line.toString();
    }

    /** The effective configuration with secrets masked (never the record's fields: {@code values} holds them). */
    @Override
    public String toString() {
        return "PostboxConfig[" + effective() + "]";
    }

    /** Whether {@code http.host} is a loopback address: nobody on another machine can reach the server. */
    public boolean loopbackOnly() {
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** The configuration keys, sorted (the launcher's help lists them). */
    public static java.util.List<String> keys() {
        return KEYS.stream().sorted().toList();
    }

    /**
     * {@code embedded}: durable, in the data directory (default). {@code memory}: ephemeral, for tests.
     * {@code postgres}: in a PostgreSQL database that several nodes may share.
     */
    public enum StorageKind { EMBEDDED, MEMORY, POSTGRES }

    /**
     * Who may call: {@code off} lets every request in (local development, the default); {@code sigv4} lets in only
     * requests signed (AWS Signature Version 4) with the credentials of an identity: the configured access key, or
     * one of the identities file's (read again when it changes).
     *
     * @param accessKeyId     the configured identity's key, or null
     * @param secretAccessKey its secret, or null; never printed
     * @param accountId       its account, and that of identities-file entries that name none
     * @param identitiesFile  the identities file, or null
     */
    public record Auth(AuthMode mode, String accessKeyId, String secretAccessKey, String accountId,
                       Path identitiesFile) {
        @Override
        public String toString() {
            return "Auth[mode=" + mode + ", accessKeyId=" + accessKeyId + ", accountId=" + accountId
                    + ", identitiesFile=" + identitiesFile + "]";
        }
    }

    public enum AuthMode { OFF, SIGV4 }

    /**
     * HTTPS instead of HTTP: the server's certificate chain and its private key, both PEM (the key PKCS#8, as
     * {@code openssl pkcs8 -topk8 -nocrypt} writes it).
     */
    public record Tls(Path certificateFile, Path privateKeyFile) {
    }

    /**
     * What one client can hold of the listener.
     *
     * @param maxHeaderBytes       the request line and headers of a request, at most (a larger one is answered 400
     *                             and the connection closed)
     * @param maxConnections       open connections at most; one more is closed as soon as it is accepted
     * @param idleTimeout          a connection with no request in progress and nothing read for this long
     *                             is closed (a long poll in progress is not idle)
     * @param requestReadTimeout   a request must have arrived whole this long after its first byte, or its
     *                             connection is closed (a client sending a byte a minute holds nothing for long)
     * @param maxPipelinedRequests requests read ahead of the one being answered, at most; one more closes the
     *                             connection
     */
    public record Listener(int maxHeaderBytes, int maxConnections, Duration idleTimeout, Duration requestReadTimeout,
                           int maxPipelinedRequests) {
    }

    public static final String HTTP_HOST = "http.host";
    public static final String HTTP_PORT = "http.port";
    public static final String HTTP_PUBLIC_BASE_URL = "http.public-base-url";
    public static final String HTTP_MAX_REQUEST_BYTES = "http.max-request-bytes";
    public static final String HTTP_TLS_CERTIFICATE_FILE = "http.tls.certificate-file";
    public static final String HTTP_MAX_HEADER_BYTES = "http.max-header-bytes";
    public static final String HTTP_MAX_CONNECTIONS = "http.max-connections";
    public static final String HTTP_IDLE_TIMEOUT_SECONDS = "http.idle-timeout-seconds";
    public static final String HTTP_REQUEST_READ_TIMEOUT_SECONDS = "http.request-read-timeout-seconds";
    public static final String HTTP_MAX_PIPELINED_REQUESTS = "http.max-pipelined-requests";
    public static final String HTTP_TLS_PRIVATE_KEY_FILE = "http.tls.private-key-file";
    public static final String STORAGE_KIND = "storage.kind";
    public static final String STORAGE_DATA_DIR = "storage.data-dir";
    public static final String STORAGE_FSYNC = "storage.fsync";
    public static final String STORAGE_FSYNC_INTERVAL_MS = "storage.fsync-interval-ms";
    /** The size of new commit-log segments; small ones make segments turn over often (the crash test). */
    public static final String STORAGE_COMMIT_LOG_SEGMENT_BYTES = "storage.commit-log-segment-bytes";
    public static final String STORAGE_POSTGRES_URL = "storage.postgres.url";
    public static final String STORAGE_POSTGRES_PASSWORD = "storage.postgres.password";
    public static final String STORAGE_POSTGRES_POOL_SIZE = "storage.postgres.pool-size";
    public static final String STORAGE_POSTGRES_CONNECTION_TIMEOUT_MS = "storage.postgres.connection-timeout-ms";
    /** false: no LISTEN/NOTIFY (a pooler in transaction mode); long polls look every poll-interval-ms instead. */
    public static final String STORAGE_POSTGRES_NOTIFY = "storage.postgres.notify";
    public static final String STORAGE_POSTGRES_POLL_INTERVAL_MS = "storage.postgres.poll-interval-ms";
    public static final String SQS_ACCOUNT_ID = "sqs.account-id";
    public static final String SQS_REGION = "sqs.region";
    /** How queue URLs show their region: path (/queue/region/account/name), host (sqs.region.host) or plain. */
    public static final String SQS_QUEUE_URL_STYLE = "sqs.queue-url-style";
    public static final String SQS_QUEUE_REUSE_DELAY_SECONDS = "sqs.queue-reuse-delay-seconds";
    public static final String SQS_PURGE_INTERVAL_SECONDS = "sqs.purge-interval-seconds";
    /** The web console at /console/ (served only on loopback with auth off). */
    public static final String CONSOLE_ENABLED = "console.enabled";
    public static final String LOGGING_FORMAT = "logging.format";
    public static final String LOGGING_ACCESS_LOG = "logging.access-log";
    /** Queues declared in a YAML or JSON file, created (or brought to the declaration) at start. */
    public static final String QUEUES_FILE = "queues.file";
    /** GET /metrics (Prometheus text format), unauthenticated like /health. */
    public static final String METRICS_ENABLED = "metrics.enabled";
    public static final String AUTH_MODE = "auth.mode";
    public static final String AUTH_ACCESS_KEY_ID = "auth.access-key-id";
    public static final String AUTH_SECRET_ACCESS_KEY = "auth.secret-access-key";
    public static final String AUTH_ACCOUNT_ID = "auth.account-id";
    public static final String AUTH_IDENTITIES_FILE = "auth.identities-file";

    private static final Map<String, String> DEFAULTS = Map.ofEntries(
            Map.entry(HTTP_HOST, "127.0.0.1"),
            Map.entry(HTTP_PORT, "9324"),
            Map.entry(HTTP_MAX_REQUEST_BYTES, Integer.toString(8 * 1024 * 1024)),
            Map.entry(HTTP_MAX_HEADER_BYTES, Integer.toString(64 * 1024)),
            Map.entry(HTTP_MAX_CONNECTIONS, "100000"),
            Map.entry(HTTP_IDLE_TIMEOUT_SECONDS, "120"),
            Map.entry(HTTP_REQUEST_READ_TIMEOUT_SECONDS, "30"),
            Map.entry(HTTP_MAX_PIPELINED_REQUESTS, "16"),
            Map.entry(STORAGE_KIND, "embedded"),
            Map.entry(STORAGE_DATA_DIR, "postbox-data"),
            Map.entry(STORAGE_FSYNC, "always"),
            Map.entry(STORAGE_FSYNC_INTERVAL_MS, "100"),
            Map.entry(STORAGE_COMMIT_LOG_SEGMENT_BYTES, Integer.toString(Journal.Settings.DEFAULT_SEGMENT_BYTES)),
            Map.entry(STORAGE_POSTGRES_POOL_SIZE, Integer.toString(PostgresOptions.DEFAULT_POOL_SIZE)),
            Map.entry(STORAGE_POSTGRES_CONNECTION_TIMEOUT_MS,
                    Long.toString(PostgresOptions.DEFAULT_CONNECTION_TIMEOUT.toMillis())),
            Map.entry(STORAGE_POSTGRES_NOTIFY, "true"),
            Map.entry(STORAGE_POSTGRES_POLL_INTERVAL_MS,
                    Long.toString(PostgresOptions.DEFAULT_POLL_INTERVAL.toMillis())),
            Map.entry(SQS_ACCOUNT_ID, "000000000000"),
            Map.entry(SQS_REGION, "us-east-1"),
            Map.entry(SQS_QUEUE_URL_STYLE, "path"),
            Map.entry(SQS_QUEUE_REUSE_DELAY_SECONDS, "60"),
            Map.entry(SQS_PURGE_INTERVAL_SECONDS, "60"),
            Map.entry(METRICS_ENABLED, "true"),
            Map.entry(LOGGING_FORMAT, "text"),
            Map.entry(CONSOLE_ENABLED, "true"),
            Map.entry(LOGGING_ACCESS_LOG, "false"),
            Map.entry(AUTH_MODE, "off"));
    private static final Set<String> KEYS = Set.of(HTTP_HOST, HTTP_PORT, HTTP_PUBLIC_BASE_URL, HTTP_MAX_REQUEST_BYTES,
            HTTP_TLS_CERTIFICATE_FILE, HTTP_TLS_PRIVATE_KEY_FILE, HTTP_MAX_HEADER_BYTES, HTTP_MAX_CONNECTIONS,
            HTTP_IDLE_TIMEOUT_SECONDS, HTTP_REQUEST_READ_TIMEOUT_SECONDS, HTTP_MAX_PIPELINED_REQUESTS,
            STORAGE_KIND, STORAGE_DATA_DIR, STORAGE_FSYNC, STORAGE_FSYNC_INTERVAL_MS, STORAGE_COMMIT_LOG_SEGMENT_BYTES,
            STORAGE_POSTGRES_URL, STORAGE_POSTGRES_PASSWORD, STORAGE_POSTGRES_POOL_SIZE,
            STORAGE_POSTGRES_CONNECTION_TIMEOUT_MS, STORAGE_POSTGRES_NOTIFY, STORAGE_POSTGRES_POLL_INTERVAL_MS,
            SQS_ACCOUNT_ID, SQS_REGION, SQS_QUEUE_URL_STYLE,
            SQS_QUEUE_REUSE_DELAY_SECONDS, SQS_PURGE_INTERVAL_SECONDS, QUEUES_FILE, METRICS_ENABLED, CONSOLE_ENABLED, LOGGING_FORMAT,
            LOGGING_ACCESS_LOG, AUTH_MODE, AUTH_ACCESS_KEY_ID,
            AUTH_SECRET_ACCESS_KEY, AUTH_ACCOUNT_ID, AUTH_IDENTITIES_FILE);
    private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d+");

    /** Invalid configuration; the message is meant for the person starting the server. */
    public static final class ConfigException extends RuntimeException {
        public ConfigException(String message) {
            super(message);
        }
    }

    public static PostboxConfig defaults() {
        return resolve(null, Map.of(), Map.of());
    }

    /**
     * @param configFile optional properties file
     * @param environment the process environment ({@code POSTBOX_*} variables are read)
     * @param flags       values given on the command line, by key
     */
    public static PostboxConfig resolve(Path configFile, Map<String, String> environment, Map<String, String> flags) {
        Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
        if (configFile != null) {
            values.putAll(readFile(configFile));
        }
        for (String key : KEYS) {
            String variable = "POSTBOX_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
            if (environment.containsKey(variable)) {
                values.put(key, environment.get(variable));
            }
        }
        flags.forEach((key, value) -> {
            if (value != null) {
                values.put(key, value);
            }
        });
        return fromValues(values);
    }

    private static Map<String, String> readFile(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : properties.stringPropertyNames()) {
            if (!KEYS.contains(key)) {
                throw new ConfigException("unknown key '" + key + "' in " + file + " (known keys: "
                        + KEYS.stream().sorted().toList() + ")");
            }
            values.put(key, properties.getProperty(key).trim());
        }
        return values;
    }

    private static PostboxConfig fromValues(Map<String, String> v) {
        String account = v.get(SQS_ACCOUNT_ID);
        if (!ACCOUNT.matcher(account).matches()) {
            throw bad(SQS_ACCOUNT_ID, account, "an account id is 12 digits");
        }
        String region = v.get(SQS_REGION);
        if (!REGION.matcher(region).matches()) {
            throw bad(SQS_REGION, region, "a region looks like us-east-1");
        }
        QueueUrls.Style urlStyle = QueueUrls.Style.named(v.get(SQS_QUEUE_URL_STYLE).trim().toLowerCase(Locale.ROOT));
        if (urlStyle == null) {
            throw bad(SQS_QUEUE_URL_STYLE, v.get(SQS_QUEUE_URL_STYLE), "expected path, host or plain");
        }
        String baseUrl = v.get(HTTP_PUBLIC_BASE_URL);
        if (baseUrl != null && !baseUrl.isEmpty()) {
            if (!baseUrl.startsWith("http://") && !baseUrl.startsWith("https://")) {
                throw bad(HTTP_PUBLIC_BASE_URL, baseUrl, "it must start with http:// or https://");
            }
            while (baseUrl.endsWith("/")) {
                baseUrl = baseUrl.substring(0, baseUrl.length() - 1);
            }
        } else {
            baseUrl = null;
        }
        StorageKind storage;
        try {
            storage = StorageKind.valueOf(v.get(STORAGE_KIND).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw bad(STORAGE_KIND, v.get(STORAGE_KIND), "supported kinds: embedded, memory, postgres");
        }
        FsyncPolicy fsync;
        try {
            fsync = FsyncPolicy.valueOf(v.get(STORAGE_FSYNC).trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw bad(STORAGE_FSYNC, v.get(STORAGE_FSYNC), "supported policies: always, interval");
        }
        String dataDir = v.get(STORAGE_DATA_DIR).trim();
        if (dataDir.isEmpty()) {
            throw bad(STORAGE_DATA_DIR, dataDir, "a directory path is needed");
        }
        String postgresUrl = v.get(STORAGE_POSTGRES_URL);
        if (storage == StorageKind.POSTGRES && (postgresUrl == null || postgresUrl.isBlank())) {
            throw bad(STORAGE_POSTGRES_URL, "", "storage.kind postgres needs a database URL"
                    + " (--postgres-url 'jdbc:postgresql://host:5432/db?user=...')");
        }
        if (postgresUrl != null && !postgresUrl.isBlank() && !postgresUrl.trim().startsWith("jdbc:postgresql://")) {
            throw bad(STORAGE_POSTGRES_URL, postgresUrl, "it must start with jdbc:postgresql://");
        }
        boolean notify = bool(v, STORAGE_POSTGRES_NOTIFY);
        PostgresOptions postgres = storage != StorageKind.POSTGRES ? null : new PostgresOptions(postgresUrl.trim(),
                v.get(STORAGE_POSTGRES_PASSWORD), integer(v, STORAGE_POSTGRES_POOL_SIZE, 1, 1000),
                Duration.ofMillis(integer(v, STORAGE_POSTGRES_CONNECTION_TIMEOUT_MS, 250, 600_000)),
                notify,
                Duration.ofMillis(integer(v, STORAGE_POSTGRES_POLL_INTERVAL_MS, 10, 60_000)), region);
        return new PostboxConfig(v.get(HTTP_HOST), integer(v, HTTP_PORT, 0, 65_535), storage, Path.of(dataDir),
                fsync, Duration.ofMillis(integer(v, STORAGE_FSYNC_INTERVAL_MS, 1, 60_000)),
                integer(v, STORAGE_COMMIT_LOG_SEGMENT_BYTES, 64 * 1024, 1 << 30), account, region, baseUrl,
                integer(v, HTTP_MAX_REQUEST_BYTES, 1_100_000, 256 * 1024 * 1024),
                Duration.ofSeconds(integer(v, SQS_QUEUE_REUSE_DELAY_SECONDS, 0, 3600)),
                Duration.ofSeconds(integer(v, SQS_PURGE_INTERVAL_SECONDS, 0, 3600)), postgres, auth(v, account), tls(v),
                new Listener(integer(v, HTTP_MAX_HEADER_BYTES, 8 * 1024, 1024 * 1024),
                        integer(v, HTTP_MAX_CONNECTIONS, 1, 1_000_000),
                        Duration.ofSeconds(integer(v, HTTP_IDLE_TIMEOUT_SECONDS, 1, 86_400)),
                        Duration.ofSeconds(integer(v, HTTP_REQUEST_READ_TIMEOUT_SECONDS, 1, 3600)),
                        integer(v, HTTP_MAX_PIPELINED_REQUESTS, 1, 10_000)), urlStyle, bool(v, METRICS_ENABLED),
                blankToNull(v.get(QUEUES_FILE)) == null ? null : Path.of(v.get(QUEUES_FILE).trim()),
                new Logging(logFormat(v), bool(v, LOGGING_ACCESS_LOG)), bool(v, CONSOLE_ENABLED),
                Map.copyOf(withoutNulls(v)));
    }

    private static LogFormat logFormat(Map<String, String> v) {
        return switch (v.get(LOGGING_FORMAT).trim().toLowerCase(Locale.ROOT)) {
            case "text" -> LogFormat.TEXT;
            case "json" -> LogFormat.JSON;
            default -> throw bad(LOGGING_FORMAT, v.get(LOGGING_FORMAT), "expected text or json");
        };
    }

    private static Map<String, String> withoutNulls(Map<String, String> values) {
        Map<String, String> present = new LinkedHashMap<>();
        values.forEach((key, value) -> {
            if (value != null) {
                present.put(key, value);
            }
        });
        return present;
    }

    private static boolean bool(Map<String, String> v, String key) {
        String value = v.get(key).trim().toLowerCase(Locale.ROOT);
        if (!value.equals("true") && !value.equals("false")) {
            throw bad(key, v.get(key), "expected true or false");
        }
        return value.equals("true");
    }

    private static Tls tls(Map<String, String> v) {
        String certificate = blankToNull(v.get(HTTP_TLS_CERTIFICATE_FILE));
        String key = blankToNull(v.get(HTTP_TLS_PRIVATE_KEY_FILE));
        if (certificate == null && key == null) {
            return null;
        }
        if (certificate == null || key == null) {
            throw certificate == null ? bad(HTTP_TLS_CERTIFICATE_FILE, "", HTTP_TLS_PRIVATE_KEY_FILE
                    + " is given, so its certificate is needed") : bad(HTTP_TLS_PRIVATE_KEY_FILE, "",
                    HTTP_TLS_CERTIFICATE_FILE + " is given, so its private key is needed");
        }
        for (String[] file : new String[][]{{HTTP_TLS_CERTIFICATE_FILE, certificate}, {HTTP_TLS_PRIVATE_KEY_FILE, key}}) {
            if (!Files.isReadable(Path.of(file[1]))) {
                throw bad(file[0], file[1], "no readable file there");
            }
        }
        return new Tls(Path.of(certificate), Path.of(key));
    }

    private static Auth auth(Map<String, String> v, String serverAccount) {
        AuthMode mode;
        try {
            mode = AuthMode.valueOf(v.get(AUTH_MODE).trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw bad(AUTH_MODE, v.get(AUTH_MODE), "supported modes: off, sigv4");
        }
        String key = blankToNull(v.get(AUTH_ACCESS_KEY_ID));
        String secret = blankToNull(v.get(AUTH_SECRET_ACCESS_KEY));
        if ((key == null) != (secret == null)) {
            throw key == null ? bad(AUTH_ACCESS_KEY_ID, "", AUTH_SECRET_ACCESS_KEY + " is given, so the key is needed")
                    : bad(AUTH_SECRET_ACCESS_KEY, "", AUTH_ACCESS_KEY_ID + " is given, so its secret is needed");
        }
        String account = blankToNull(v.get(AUTH_ACCOUNT_ID));
        if (account == null) {
            account = serverAccount;
        } else if (!ACCOUNT.matcher(account).matches()) {
            throw bad(AUTH_ACCOUNT_ID, account, "an account id is 12 digits");
        }
        String file = blankToNull(v.get(AUTH_IDENTITIES_FILE));
        if (mode == AuthMode.SIGV4 && key == null && file == null) {
            throw bad(AUTH_MODE, "sigv4", "it needs " + AUTH_ACCESS_KEY_ID + " and " + AUTH_SECRET_ACCESS_KEY + ", or "
                    + AUTH_IDENTITIES_FILE);
        }
        return new Auth(mode, key, secret, account, file == null ? null : Path.of(file));
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static int integer(Map<String, String> values, String key, int min, int max) {
        String text = values.get(key);
        try {
            int value = Integer.parseInt(text.trim());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw bad(key, text, "expected an integer from " + min + " to " + max);
    }

    private static ConfigException bad(String key, String value, String why) {
        return new ConfigException("invalid value '" + value + "' for " + key + ": " + why);
    }
}
