package dev.postbox.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The credentials the server accepts: one given in the configuration, and those of an identities file, read again
 * when it changes (looked at no more than once a second, on the next request; a file that no longer reads keeps the
 * identities it last had, and a warning says why). The configured one wins over a file entry of the same key.
 *
 * <p>The file is JSON:
 * <pre>{"identities": [{"accessKeyId": "AKIA…", "secretAccessKey": "…", "accountId": "111122223333",
 *   "principalId": "alice", "sessionToken": "…"}]}</pre>
 * {@code accountId} defaults to the server's account, {@code principalId} to the access key id, {@code
 * sessionToken} to none.
 */
public final class Identities {
    private static final System.Logger LOG = System.getLogger(Identities.class.getName());
    private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
    private static final long LOOK_EVERY_NANOS = 1_000_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Identity configured;
    private final Path file;
    private final String defaultAccountId;
    private volatile Map<String, Identity> fromFile = Map.of();
    private volatile FileState read;
    private volatile long lookedAtNanos;

    private record FileState(FileTime modified, long size) {
    }

    private Identities(Identity configured, Path file, String defaultAccountId) {
        this.configured = configured;
        this.file = file;
        this.defaultAccountId = defaultAccountId;
    }

    /**
     * @param configured       the identity of the configuration, or null
     * @param file             the identities file, or null; read now, and a file that does not read fails here
     * @param defaultAccountId the account of file entries that name none
     */
    public static Identities of(Identity configured, Path file, String defaultAccountId) {
        Identities identities = new Identities(configured, file, defaultAccountId);
        if (file != null) {
            try {
                identities.load();
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalArgumentException("the identities file " + file + " does not read: "
                        + e.getMessage(), e);
            }
            identities.lookedAtNanos = System.nanoTime();
        }
        if (configured == null && file == null) {
            throw new IllegalArgumentException("no identities: give an access key and secret, or an identities file");
        }
        return identities;
    }

    /** The identity with this access key id. */
    public Optional<Identity> find(String accessKeyId) {
        if (configured != null && configured.accessKeyId().equals(accessKeyId)) {
            return Optional.of(configured);
        }
        if (file != null) {
            reloadIfChanged();
        }
        return Optional.ofNullable(fromFile.get(accessKeyId));
    }

    private void reloadIfChanged() {
        long now = System.nanoTime();
        if (now - lookedAtNanos < LOOK_EVERY_NANOS) {
            return;
        }
        lookedAtNanos = now;
        try {
            FileState state = state();
            if (!state.equals(read)) {
                load();
                LOG.log(System.Logger.Level.INFO, "identities file " + file + " read again: " + fromFile.size()
                        + " identities");
            }
        } catch (IOException | IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, "the identities file " + file + " does not read; keeping the "
                    + fromFile.size() + " identities it had: " + e.getMessage());
        }
    }

    private FileState state() throws IOException {
        return new FileState(Files.getLastModifiedTime(file), Files.size(file));
    }

    private synchronized void load() throws IOException {
        FileState state = state();
        JsonNode root = JSON.readTree(Files.readAllBytes(file));
        JsonNode entries = root == null ? null : root.get("identities");
        if (entries == null || !entries.isArray()) {
            throw new IllegalArgumentException("expected {\"identities\": [...]}");
        }
        Map<String, Identity> byKey = new HashMap<>();
        for (JsonNode entry : entries) {
            String key = text(entry, "accessKeyId", null);
            String secret = text(entry, "secretAccessKey", null);
            if (key == null || key.isEmpty() || secret == null || secret.isEmpty()) {
                throw new IllegalArgumentException("an identity needs accessKeyId and secretAccessKey");
            }
            String account = text(entry, "accountId", defaultAccountId);
            if (!ACCOUNT.matcher(account).matches()) {
                throw new IllegalArgumentException("the accountId of " + key + " is not 12 digits: " + account);
            }
            if (byKey.put(key, new Identity(key, secret, account, text(entry, "principalId", key),
                    text(entry, "sessionToken", null))) != null) {
                throw new IllegalArgumentException("the access key id " + key + " is there twice");
            }
        }
        fromFile = Map.copyOf(byKey);
        read = state;
    }

    private static String text(JsonNode entry, String field, String otherwise) {
        JsonNode value = entry.get(field);
        return value == null || value.isNull() ? otherwise : value.asText();
    }
}
