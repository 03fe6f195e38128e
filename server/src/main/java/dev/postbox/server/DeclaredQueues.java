package dev.postbox.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.postbox.core.QueueUrls;
import dev.postbox.core.SqsException;
import dev.postbox.core.api.CallContext;
import dev.postbox.core.api.CreateQueue;
import dev.postbox.core.api.GetQueueUrl;
import dev.postbox.core.api.SetQueueAttributes;
import dev.postbox.core.api.SqsApi;
import dev.postbox.core.api.TagQueue;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Queues declared in a file ({@code queues.file}, YAML or JSON), created when the server starts, or brought to the
 * declaration when they exist (attributes set, tags added), through the service like any request: a declaration
 * is checked as SQS checks a request, and an error names the queue and the key. Dead-letter queues are named by
 * name; they are made before the queues that use them.
 *
 * <pre>
 * queues:
 *   - name: jobs-dlq
 *   - name: jobs
 *     attributes: {VisibilityTimeout: 60}
 *     deadLetterQueue: jobs-dlq
 *     maxReceiveCount: 5
 *     tags: {team: core}
 * </pre>
 */
final class DeclaredQueues {
    private static final Set<String> KEYS = Set.of("name", "region", "account", "attributes", "tags",
            "deadLetterQueue", "maxReceiveCount", "policy");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One declared queue: everything as SQS would take it in a CreateQueue request. */
    record Declaration(String name, String region, String account, Map<String, String> attributes,
                       Map<String, String> tags, String deadLetterQueue) {
        QueueKey key() {
            return new QueueKey(region, account, name);
        }
    }

    private DeclaredQueues() {
    }

    /** The file's declarations, in an order that makes every dead-letter queue before the queues that use it. */
    static List<Declaration> read(Path file, String defaultRegion, String defaultAccount) {
        JsonNode root;
        try {
            String text = Files.readString(file);
            ObjectMapper mapper = file.toString().endsWith(".json") ? JSON : new ObjectMapper(new YAMLFactory());
            root = mapper.readTree(text);
        } catch (IOException e) {
            throw problem(file, "cannot be read: " + e.getMessage());
        }
        if (root == null || !root.isObject() || !root.path("queues").isArray() || root.size() != 1) {
            throw problem(file, "must hold one key, queues: a list of queues");
        }
        Map<QueueKey, Declaration> declared = new LinkedHashMap<>();
        for (JsonNode node : root.get("queues")) {
            Declaration declaration = declaration(file, node, defaultRegion, defaultAccount);
            if (declared.put(declaration.key(), declaration) != null) {
                throw problem(file, "queue '" + declaration.name() + "' is declared twice");
            }
        }
        return inDependencyOrder(file, declared);
    }

    private static Declaration declaration(Path file, JsonNode node, String defaultRegion, String defaultAccount) {
        if (!node.isObject() || !node.path("name").isTextual() || node.get("name").asText().isEmpty()) {
            throw problem(file, "every queue needs a name, got " + node);
        }
        String name = node.get("name").asText();
        for (Iterator<String> keys = node.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!KEYS.contains(key)) {
                throw problem(file, "queue '" + name + "': unknown key '" + key + "' (known: " + KEYS.stream()
                        .sorted().toList() + ")");
            }
        }
        String region = text(node, "region", defaultRegion);
        String account = text(node, "account", defaultAccount);
        Map<String, String> attributes = strings(file, name, node, "attributes");
        if (name.endsWith(".fifo")) {
            attributes.putIfAbsent("FifoQueue", "true");
        }
        String deadLetterQueue = node.hasNonNull("deadLetterQueue") ? node.get("deadLetterQueue").asText() : null;
        if (deadLetterQueue != null) {
            if (attributes.containsKey("RedrivePolicy")) {
                throw problem(file, "queue '" + name + "': deadLetterQueue and attributes.RedrivePolicy both say"
                        + " where its dead letters go; keep one");
            }
            ObjectNode redrive = JSON.createObjectNode();
            redrive.put("deadLetterTargetArn", QueueUrls.arn(new QueueKey(region, account, deadLetterQueue)));
            redrive.put("maxReceiveCount", node.path("maxReceiveCount").asInt(10));
            attributes.put("RedrivePolicy", redrive.toString());
        } else if (node.has("maxReceiveCount")) {
            throw problem(file, "queue '" + name + "': maxReceiveCount needs a deadLetterQueue");
        }
        if (node.hasNonNull("policy")) {
            JsonNode policy = node.get("policy");
            attributes.put("Policy", policy.isTextual() ? policy.asText() : policy.toString());
        }
        return new Declaration(name, region, account, attributes, strings(file, name, node, "tags"),
                deadLetterQueue);
    }

    private static String text(JsonNode node, String key, String otherwise) {
        return node.hasNonNull(key) ? node.get(key).asText() : otherwise;
    }

    /** A map of scalars, as text (YAML's 60 is SQS's "60"). */
    private static Map<String, String> strings(Path file, String queue, JsonNode node, String key) {
        Map<String, String> values = new LinkedHashMap<>();
        JsonNode map = node.get(key);
        if (map == null || map.isNull()) {
            return values;
        }
        if (!map.isObject()) {
            throw problem(file, "queue '" + queue + "': " + key + " must be a map");
        }
        map.fields().forEachRemaining(entry -> {
            JsonNode value = entry.getValue();
            if (!value.isValueNode() || value.isNull()) {
                throw problem(file, "queue '" + queue + "': " + key + "." + entry.getKey() + " must be a single value");
            }
            values.put(entry.getKey(), value.isBoolean() ? value.asText().toLowerCase(Locale.ROOT) : value.asText());
        });
        return values;
    }

    private static List<Declaration> inDependencyOrder(Path file, Map<QueueKey, Declaration> declared) {
        List<Declaration> ordered = new ArrayList<>();
        Set<QueueKey> done = new LinkedHashSet<>();
        for (Declaration declaration : declared.values()) {
            visit(file, declaration, declared, done, new LinkedHashSet<>(), ordered);
        }
        return ordered;
    }

    private static void visit(Path file, Declaration declaration, Map<QueueKey, Declaration> declared,
                              Set<QueueKey> done, Set<QueueKey> path, List<Declaration> ordered) {
        if (done.contains(declaration.key())) {
            return;
        }
        if (!path.add(declaration.key())) {
            throw problem(file, "queue '" + declaration.name() + "': its dead-letter queues form a cycle");
        }
        if (declaration.deadLetterQueue() != null) {
            Declaration target = declared.get(new QueueKey(declaration.region(), declaration.account(),
                    declaration.deadLetterQueue()));
            if (target != null) {
                visit(file, target, declared, done, path, ordered);
            }
        }
        done.add(declaration.key());
        ordered.add(declaration);
    }

    /**
     * Creates each declared queue, or sets the declared attributes and tags of one that exists. Attributes and tags
     * that are not declared are left as they are.
     */
    static void apply(Path file, List<Declaration> declarations, SqsApi service, String baseUrl) {
        for (Declaration declaration : declarations) {
            CallContext call = new CallContext(baseUrl, declaration.account(), declaration.region(), null, null,
                    declaration.account(), false, null, false);
            try {
                String url = existingUrl(service, call, declaration);
                if (url == null) {
                    QueueStore.await(service.createQueue(call, new CreateQueue.Request(declaration.name(),
                            declaration.attributes(), declaration.tags())));
                    continue;
                }
                Map<String, String> settable = new HashMap<>(declaration.attributes());
                settable.remove("FifoQueue"); // fixed at creation; a mismatch shows as a wrong name for its type
                if (!settable.isEmpty()) {
                    QueueStore.await(service.setQueueAttributes(call, new SetQueueAttributes.Request(url, settable)));
                }
                if (!declaration.tags().isEmpty()) {
                    QueueStore.await(service.tagQueue(call, new TagQueue.Request(url, declaration.tags())));
                }
            } catch (SqsException e) {
                throw problem(file, "queue '" + declaration.name() + "': " + e.getMessage());
            }
        }
    }

    private static String existingUrl(SqsApi service, CallContext call, Declaration declaration) {
        try {
            return QueueStore.await(service.getQueueUrl(call, new GetQueueUrl.Request(declaration.name(),
                    declaration.account()))).queueUrl();
        } catch (SqsException e) {
            if (e.code() == dev.postbox.core.ErrorCode.QUEUE_DOES_NOT_EXIST) {
                return null;
            }
            throw e;
        }
    }

    private static PostboxConfig.ConfigException problem(Path file, String message) {
        return new PostboxConfig.ConfigException("queues file " + file + ": " + message);
    }
}
