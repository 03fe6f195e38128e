package dev.postbox.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.postbox.core.ErrorCode;
import dev.postbox.core.ReceiptHandles;
import dev.postbox.core.service.QueueService;
import dev.postbox.store.memory.InMemoryQueueStore;
import dev.postbox.testkit.ManualClock;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random and mutated requests of every operation in both protocols, through the dispatcher and the real service (in
 * memory, manual clock). Whatever comes in, the answer is AWS-shaped: a status below 500, a request id, a body in the
 * request's protocol that parses (a JSON object with {@code __type} and {@code message} for JSON errors, well-formed
 * XML with an error {@code Code} for query errors), never an exception; and the service still serves afterwards.
 *
 * <p>Each request starts from a template of the operation's members (names and kinds as the SQS model has them,
 * pointing at real queues) and goes through mutations: members dropped, values of the wrong kind or with odd text,
 * unknown members, indexes and nested names that do not belong, garbled bodies. The number of tries is jqwik's
 * default ({@code jqwik.tries.default} in {@code junit-platform.properties}); {@code scripts/fuzz.sh} runs more.
 */
class RequestFuzzTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String BASE = "http://localhost:9324/000000000000/";
    private static final Set<String> QUERY_CODES = Arrays.stream(ErrorCode.values()).map(ErrorCode::queryCode)
            .collect(Collectors.toSet());
    private static final Set<String> JSON_TYPES = Arrays.stream(ErrorCode.values())
            .map(c -> (c.modeled() ? "com.amazonaws.sqs#" : "com.amazon.coral.service#") + c.shapeName())
            .collect(Collectors.toSet());

    private static ManualClock clock;
    private static QueueService service;
    private static RequestDispatcher dispatcher;

    private enum Kind { STRING, INT, STRINGS, STRING_MAP, ATTRIBUTES, SEND_ENTRIES, DELETE_ENTRIES, CHANGE_ENTRIES }

    /** Every operation's members and their kinds (the SQS model's input shapes). */
    private static final Map<Action, Map<String, Kind>> MEMBERS = new HashMap<>();

    static {
        Map<String, Kind> queue = Map.of("QueueUrl", Kind.STRING);
        MEMBERS.put(Action.AddPermission, with(queue, "Label", Kind.STRING, "AWSAccountIds", Kind.STRINGS,
                "Actions", Kind.STRINGS));
        MEMBERS.put(Action.CancelMessageMoveTask, Map.of("TaskHandle", Kind.STRING));
        MEMBERS.put(Action.ChangeMessageVisibility, with(queue, "ReceiptHandle", Kind.STRING, "VisibilityTimeout",
                Kind.INT));
        MEMBERS.put(Action.ChangeMessageVisibilityBatch, with(queue, "Entries", Kind.CHANGE_ENTRIES));
        MEMBERS.put(Action.CreateQueue, Map.of("QueueName", Kind.STRING, "Attributes", Kind.STRING_MAP,
                "tags", Kind.STRING_MAP));
        MEMBERS.put(Action.DeleteMessage, with(queue, "ReceiptHandle", Kind.STRING));
        MEMBERS.put(Action.DeleteMessageBatch, with(queue, "Entries", Kind.DELETE_ENTRIES));
        MEMBERS.put(Action.DeleteQueue, queue);
        MEMBERS.put(Action.GetQueueAttributes, with(queue, "AttributeNames", Kind.STRINGS));
        MEMBERS.put(Action.GetQueueUrl, Map.of("QueueName", Kind.STRING, "QueueOwnerAWSAccountId", Kind.STRING));
        MEMBERS.put(Action.ListDeadLetterSourceQueues, with(queue, "NextToken", Kind.STRING, "MaxResults", Kind.INT));
        MEMBERS.put(Action.ListMessageMoveTasks, Map.of("SourceArn", Kind.STRING, "MaxResults", Kind.INT));
        MEMBERS.put(Action.ListQueueTags, queue);
        MEMBERS.put(Action.ListQueues, Map.of("QueueNamePrefix", Kind.STRING, "NextToken", Kind.STRING,
                "MaxResults", Kind.INT));
        MEMBERS.put(Action.PurgeQueue, queue);
        MEMBERS.put(Action.ReceiveMessage, with(queue, "AttributeNames", Kind.STRINGS, "MessageSystemAttributeNames",
                Kind.STRINGS, "MessageAttributeNames", Kind.STRINGS, "MaxNumberOfMessages", Kind.INT,
                "VisibilityTimeout", Kind.INT, "WaitTimeSeconds", Kind.INT, "ReceiveRequestAttemptId", Kind.STRING));
        MEMBERS.put(Action.RemovePermission, with(queue, "Label", Kind.STRING));
        MEMBERS.put(Action.SendMessage, with(queue, "MessageBody", Kind.STRING, "DelaySeconds", Kind.INT,
                "MessageAttributes", Kind.ATTRIBUTES, "MessageSystemAttributes", Kind.ATTRIBUTES,
                "MessageDeduplicationId", Kind.STRING, "MessageGroupId", Kind.STRING));
        MEMBERS.put(Action.SendMessageBatch, with(queue, "Entries", Kind.SEND_ENTRIES));
        MEMBERS.put(Action.SetQueueAttributes, with(queue, "Attributes", Kind.STRING_MAP));
        MEMBERS.put(Action.StartMessageMoveTask, Map.of("SourceArn", Kind.STRING, "DestinationArn", Kind.STRING,
                "MaxNumberOfMessagesPerSecond", Kind.INT));
        MEMBERS.put(Action.TagQueue, with(queue, "Tags", Kind.STRING_MAP));
        MEMBERS.put(Action.UntagQueue, with(queue, "TagKeys", Kind.STRINGS));
    }

    private static Map<String, Kind> with(Map<String, Kind> base, Object... more) {
        Map<String, Kind> all = new HashMap<>(base);
        for (int i = 0; i < more.length; i += 2) {
            all.put((String) more[i], (Kind) more[i + 1]);
        }
        return all;
    }

    @BeforeContainer
    static void start() {
        clock = new ManualClock();
        service = new QueueService(new InMemoryQueueStore(), clock, new ReceiptHandles(new byte[32]),
                QueueService.Settings.defaults());
        dispatcher = new RequestDispatcher(service, new RequestDispatcher.Settings("us-east-1", "000000000000", null));
    }

    @AfterContainer
    static void stop() {
        service.close();
    }

    // ---- the properties ----------------------------------------------------------------------------------------

    @Property
    void everyJsonRequestGetsAnAwsShapedAnswer(@ForAll("actions") Action action, @ForAll("trees") ObjectNode seed,
                                               @ForAll("mutations") List<Mutation> mutations,
                                               @ForAll("targets") String target) {
        ObjectNode body = template(action, seed);
        mutations.forEach(m -> m.apply(body));
        byte[] bytes = Json.write(body);
        String targetHeader = target.isEmpty() ? "AmazonSQS." + action.name() : target;
        Map<String, String> headers = Map.of("x-amz-target", targetHeader, "content-type",
                "application/x-amz-json-1.0", "host", "localhost:9324");
        HttpExchange.Response response = answer(new HttpExchange.Request("POST", "/", null,
                HttpExchange.Headers.ofLowerCase(headers), garble(bytes, mutations)));
        assertJsonShaped(response);
        assertStillServing();
    }

    @Property
    void everyQueryRequestGetsAnAwsShapedAnswer(@ForAll("actions") Action action, @ForAll("trees") ObjectNode seed,
                                                @ForAll("mutations") List<Mutation> mutations,
                                                @ForAll("oddParameters") Map<String, String> odd,
                                                @ForAll boolean asGet, @ForAll boolean acceptJson,
                                                @ForAll("paths") String path) {
        ObjectNode body = template(action, seed);
        mutations.forEach(m -> m.apply(body));
        Map<String, String> parameters = new java.util.LinkedHashMap<>();
        parameters.put("Action", action.name());
        Map<String, String> flat = new java.util.LinkedHashMap<>();
        flatten(body, "", flat);
        // Batch entries are named after the operation: SendMessageBatchRequestEntry.1.Id.
        flat.forEach((name, value) -> parameters.put(name.startsWith("Entry.")
                ? action.name() + "Request" + name : name, value));
        parameters.putAll(odd);
        String encoded = parameters.entrySet().stream().map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
        Map<String, String> headers = new HashMap<>();
        headers.put("host", "localhost:9324");
        if (acceptJson) {
            headers.put("accept", "application/json");
        }
        HttpExchange.Request request;
        if (asGet) {
            request = new HttpExchange.Request("GET", path, encoded, HttpExchange.Headers.ofLowerCase(headers),
                    new byte[0]);
        } else {
            headers.put("content-type", "application/x-www-form-urlencoded; charset=utf-8");
            request = new HttpExchange.Request("POST", path, null, HttpExchange.Headers.ofLowerCase(headers),
                    garble(encoded.getBytes(StandardCharsets.UTF_8), mutations));
        }
        assertQueryShaped(answer(request));
        assertStillServing();
    }

    // ---- answering and judging ---------------------------------------------------------------------------------

    /** The answer; a long poll the request started is ended by moving the clock past any wait. */
    private static HttpExchange.Response answer(HttpExchange.Request request) {
        CompletableFuture<HttpExchange.Response> response = dispatcher.handle(request, "fuzz-request",
                clock.waitsOnVirtualThreads());
        try {
            if (!response.isDone()) {
                clock.advanceSeconds(21);
            }
            return response.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("no answer: " + e, e);
        }
    }

    private static void assertJsonShaped(HttpExchange.Response response) {
        assertThat(response.status()).as(text(response)).isLessThan(500);
        assertThat(response.headers()).containsEntry("x-amzn-RequestId", "fuzz-request");
        assertThat(response.contentType()).isEqualTo("application/x-amz-json-1.0");
        JsonNode body = parse(response);
        assertThat(body.isObject()).as(text(response)).isTrue();
        if (response.status() >= 400) {
            assertThat(JSON_TYPES).as(text(response)).contains(body.path("__type").asText());
            assertThat(body.path("message").isTextual()).as(text(response)).isTrue();
            assertThat(response.headers().get("x-amzn-query-error")).as(text(response)).isNotNull();
        }
    }

    private static void assertQueryShaped(HttpExchange.Response response) {
        assertThat(response.status()).as(text(response)).isLessThan(500);
        assertThat(response.headers()).containsEntry("x-amzn-RequestId", "fuzz-request");
        if (response.contentType().equals("application/json")) {
            assertThat(response.status()).isEqualTo(200);
            assertThat(parse(response).isObject()).isTrue();
            return;
        }
        assertThat(response.contentType()).isEqualTo("text/xml");
        org.w3c.dom.Document xml;
        try {
            xml = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(new ByteArrayInputStream(response.body()));
        } catch (Exception e) {
            throw new AssertionError("not well-formed XML: " + text(response), e);
        }
        if (response.status() >= 400 && response.status() != 404) {
            String code = xml.getElementsByTagName("Code").item(0).getTextContent();
            assertThat(QUERY_CODES).as(text(response)).contains(code);
        }
    }

    private static void assertStillServing() {
        HttpExchange.Response list = answer(new HttpExchange.Request("POST", "/", null,
                HttpExchange.Headers.ofLowerCase(Map.of("x-amz-target", "AmazonSQS.ListQueues")),
                "{}".getBytes(StandardCharsets.UTF_8)));
        assertThat(list.status()).isEqualTo(200);
    }

    private static JsonNode parse(HttpExchange.Response response) {
        try {
            return Json.read(response.body());
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + text(response), e);
        }
    }

    private static String text(HttpExchange.Response response) {
        return response.status() + " " + new String(response.body(), StandardCharsets.UTF_8);
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    // ---- building requests -------------------------------------------------------------------------------------

    /** A request of the operation with every member set from the seed's values (queues exist: see queueUrls). */
    private static ObjectNode template(Action action, ObjectNode seed) {
        ensureQueues();
        ObjectNode body = NODES.objectNode();
        MEMBERS.get(action).forEach((member, kind) -> body.set(member, value(member, kind, seed)));
        return body;
    }

    private static void ensureQueues() {
        for (String queue : List.of("fuzz", "fuzz-dlq", "fuzz.fifo")) {
            String attributes = queue.endsWith(".fifo") ? ",\"Attributes\":{\"FifoQueue\":\"true\"}" : "";
            answer(new HttpExchange.Request("POST", "/", null, HttpExchange.Headers.ofLowerCase(Map.of(
                    "x-amz-target", "AmazonSQS.CreateQueue", "host", "localhost:9324")),
                    ("{\"QueueName\":\"" + queue + "\"" + attributes + "}").getBytes(StandardCharsets.UTF_8)));
        }
    }

    private static JsonNode value(String member, Kind kind, ObjectNode seed) {
        String text = seed.path("text").asText();
        int number = seed.path("number").asInt();
        return switch (kind) {
            case STRING -> NODES.textNode(switch (member) {
                case "QueueUrl" -> BASE + List.of("fuzz", "fuzz.fifo", "fuzz-dlq", text).get(Math.floorMod(number, 4));
                case "SourceArn", "DestinationArn" -> "arn:aws:sqs:us-east-1:000000000000:"
                        + (number % 2 == 0 ? "fuzz-dlq" : text);
                default -> text;
            });
            case INT -> NODES.numberNode(member.equals("WaitTimeSeconds") ? Math.floorMod(number, 3) : number);
            case STRINGS -> NODES.arrayNode().add(text).add("All");
            case STRING_MAP -> NODES.objectNode().put(text.isEmpty() ? "k" : text, String.valueOf(number));
            case ATTRIBUTES -> {
                ObjectNode attributes = NODES.objectNode();
                attributes.putObject(text.isEmpty() ? "a" : text).put("DataType", number % 2 == 0 ? "String" : "Number")
                        .put("StringValue", String.valueOf(number));
                yield attributes;
            }
            case SEND_ENTRIES, DELETE_ENTRIES, CHANGE_ENTRIES -> {
                ArrayNode entries = NODES.arrayNode();
                for (int i = 0; i < 1 + Math.floorMod(number, 3); i++) {
                    ObjectNode entry = entries.addObject().put("Id", "e" + i);
                    switch (kind) {
                        case SEND_ENTRIES -> entry.put("MessageBody", text.isEmpty() ? "b" : text)
                                .put("MessageGroupId", "g").put("MessageDeduplicationId", "d" + number + i);
                        case DELETE_ENTRIES -> entry.put("ReceiptHandle", text);
                        default -> entry.put("ReceiptHandle", text).put("VisibilityTimeout", number);
                    }
                }
                yield entries;
            }
        };
    }

    /** The query parameters a JSON tree flattens to, in the query protocol's names (lists and maps indexed from 1). */
    private static void flatten(JsonNode node, String prefix, Map<String, String> into) {
        if (node.isObject()) {
            node.properties().forEach(member -> {
                String name = queryName(member.getKey());
                JsonNode value = member.getValue();
                if (value.isObject() && isMap(member.getKey())) {
                    int i = 1;
                    for (Map.Entry<String, JsonNode> entry : value.properties()) {
                        String key = member.getKey().equals("Tags") || member.getKey().equals("tags") ? "Key" : "Name";
                        into.put(prefix + name + "." + i + "." + key, entry.getKey());
                        flatten(entry.getValue(), prefix + name + "." + i + ".Value", into);
                        i++;
                    }
                } else {
                    flatten(value, prefix + name, into);
                }
            });
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                flatten(node.get(i), prefix + "." + (i + 1), into);
            }
        } else {
            into.put(prefix.startsWith(".") ? prefix.substring(1) : prefix, node.isNull() ? "" : node.asText());
        }
    }

    private static boolean isMap(String member) {
        return Set.of("Attributes", "MessageAttributes", "MessageSystemAttributes", "Tags", "tags").contains(member);
    }

    private static String queryName(String member) {
        return switch (member) {
            case "Attributes" -> "Attribute";
            case "Tags", "tags" -> "Tag";
            case "MessageAttributes" -> "MessageAttribute";
            case "MessageSystemAttributes" -> "MessageSystemAttribute";
            case "AttributeNames" -> "AttributeName";
            case "MessageAttributeNames" -> "MessageAttributeName";
            case "MessageSystemAttributeNames" -> "MessageSystemAttributeName";
            case "TagKeys" -> "TagKey";
            case "AWSAccountIds" -> "AWSAccountId";
            case "Actions" -> "ActionName";
            case "Entries" -> "Entry";
            default -> member;
        };
    }

    private static byte[] garble(byte[] body, List<Mutation> mutations) {
        for (Mutation mutation : mutations) {
            if (mutation instanceof Garble garble) {
                body = garble.apply(body);
            }
        }
        return body;
    }

    // ---- mutations ---------------------------------------------------------------------------------------------

    /** A change to a request tree (or, for {@link Garble}, to its bytes). */
    interface Mutation {
        void apply(ObjectNode body);
    }

    /** Removes the member at the index (of the sorted member names). */
    record Drop(int index) implements Mutation {
        public void apply(ObjectNode body) {
            List<String> names = new ArrayList<>();
            body.fieldNames().forEachRemaining(names::add);
            if (!names.isEmpty()) {
                body.remove(names.get(Math.floorMod(index, names.size())));
            }
        }
    }

    /** Replaces a member's value, at any depth, with another value of any kind. */
    record Replace(int index, JsonNode value) implements Mutation {
        public void apply(ObjectNode body) {
            List<ObjectNode> objects = new ArrayList<>();
            collect(body, objects);
            ObjectNode target = objects.get(Math.floorMod(index, objects.size()));
            List<String> names = new ArrayList<>();
            target.fieldNames().forEachRemaining(names::add);
            if (!names.isEmpty()) {
                target.set(names.get(Math.floorMod(index / 7, names.size())), value);
            }
        }

        private static void collect(JsonNode node, List<ObjectNode> into) {
            if (node.isObject()) {
                into.add((ObjectNode) node);
            }
            node.forEach(child -> collect(child, into));
        }
    }

    /** Adds a member the operation does not have (or a known name of another operation). */
    record Add(String name, JsonNode value) implements Mutation {
        public void apply(ObjectNode body) {
            body.set(name, value);
        }
    }

    /** Truncates the encoded body, or flips one of its bytes. */
    record Garble(int at, byte to, boolean truncate) implements Mutation {
        public void apply(ObjectNode body) {
        }

        byte[] apply(byte[] bytes) {
            if (bytes.length == 0) {
                return bytes;
            }
            int position = Math.floorMod(at, bytes.length);
            if (truncate) {
                return Arrays.copyOf(bytes, position);
            }
            byte[] copy = bytes.clone();
            copy[position] = to;
            return copy;
        }
    }

    // ---- generators --------------------------------------------------------------------------------------------

    @Provide
    Arbitrary<Action> actions() {
        return Arbitraries.of(Action.class);
    }

    @Provide
    Arbitrary<String> targets() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Arbitraries.just("")),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("AmazonSQS.", "AmazonSQS.Nope", "SQS.SendMessage",
                        "AmazonSQS.sendMessage", "AmazonSQS", "\u00e9", ".")));
    }

    @Provide
    Arbitrary<String> paths() {
        return Arbitraries.of("/", "/000000000000/fuzz", "/000000000000/fuzz.fifo", "/000000000000/none",
                "/x/y/z", "/000000000000/", "//", "/%zz");
    }

    @Provide
    Arbitrary<ObjectNode> trees() {
        return Combinators.combine(oddText(), oddNumber()).as((text, number) -> {
            ObjectNode seed = NODES.objectNode();
            seed.put("text", text);
            seed.put("number", number);
            return seed;
        });
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Mutation> drop = Arbitraries.integers().map(Drop::new);
        Arbitrary<Mutation> replace = Combinators.combine(Arbitraries.integers(), anyValue()).as(Replace::new);
        Arbitrary<Mutation> add = Combinators.combine(memberNames(), anyValue()).as(Add::new);
        Arbitrary<Mutation> garble = Combinators.combine(Arbitraries.integers(), Arbitraries.bytes(),
                Arbitraries.of(true, false)).as(Garble::new);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, drop), net.jqwik.api.Tuple.of(5, replace),
                net.jqwik.api.Tuple.of(3, add), net.jqwik.api.Tuple.of(1, garble)).list().ofMaxSize(4);
    }

    @Provide
    Arbitrary<Map<String, String>> oddParameters() {
        Arbitrary<String> segment = Arbitraries.oneOf(memberNames(), Arbitraries.of("1", "0", "-1", "99999999", "",
                "Name", "Value", "Key", "StringValue", "DataType", "BinaryValue", "Id", "Entry", "2"));
        Arbitrary<String> name = segment.list().ofMinSize(1).ofMaxSize(5).map(parts -> String.join(".", parts));
        return Arbitraries.maps(name, oddText()).ofMaxSize(3);
    }

    private static Arbitrary<String> memberNames() {
        List<String> known = new ArrayList<>();
        MEMBERS.values().forEach(m -> known.addAll(m.keySet()));
        known.addAll(List.of("Attribute", "Tag", "MessageAttribute", "MessageSystemAttribute", "AttributeName",
                "MessageSystemAttributeNames", "SendMessageBatchRequestEntry", "DeleteMessageBatchRequestEntry",
                "ChangeMessageVisibilityBatchRequestEntry", "ActionName", "AWSAccountId", "TagKey", "Version",
                "Action", "QueueUrl"));
        return Arbitraries.oneOf(Arbitraries.of(known), Arbitraries.strings().ofMaxLength(8));
    }

    private static Arbitrary<String> oddText() {
        return Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(20),
                Arbitraries.strings().withCharRange('\u0000', '\u007f').ofMaxLength(12),
                Arbitraries.of("", " ", "All", ".*", "x.*", "\uD800", "\uFFFE", "%", "%zz", "&", "=", "a=b&c",
                        "AWSTraceHeader", "String", "Number", "Binary", "Number.int", "1e400", "-0", "NaN",
                        "9999999999999999999999", "arn:aws:sqs:us-east-1:000000000000:fuzz", "arn:", "<x/>",
                        "{\"a\":1}", "fuzz.fifo", "SendMessage", "\r\n", "x".repeat(300),
                        BASE + "fuzz", BASE + "fuzz.fifo", "http://", "000000000000"));
    }

    private static Arbitrary<Integer> oddNumber() {
        return Arbitraries.oneOf(Arbitraries.integers().between(-2, 50), Arbitraries.integers(),
                Arbitraries.of(0, 1, 10, 11, 43200, 43201, 900, 1209600, 262144, 1048577, Integer.MAX_VALUE,
                        Integer.MIN_VALUE));
    }

    private static Arbitrary<JsonNode> anyValue() {
        Arbitrary<JsonNode> scalars = Arbitraries.oneOf(
                oddText().map(NODES::textNode),
                oddNumber().map(n -> (JsonNode) NODES.numberNode(n)),
                Arbitraries.of(NODES.booleanNode(true), NODES.nullNode(), NODES.numberNode(1.5),
                        NODES.numberNode(new java.math.BigInteger("123456789012345678901234567890")),
                        NODES.numberNode(-1L << 40)));
        Arbitrary<JsonNode> arrays = scalars.list().ofMaxSize(3).map(values -> {
            ArrayNode array = NODES.arrayNode();
            values.forEach(array::add);
            return array;
        });
        Arbitrary<JsonNode> objects = Arbitraries.maps(oddText(), scalars).ofMaxSize(3).map(values -> {
            ObjectNode object = NODES.objectNode();
            values.forEach(object::set);
            return object;
        });
        Arbitrary<JsonNode> nested = Arbitraries.maps(oddText(), Arbitraries.oneOf(objects, arrays)).ofMaxSize(2)
                .map(values -> {
                    ObjectNode object = NODES.objectNode();
                    values.forEach(object::set);
                    return object;
                });
        return Arbitraries.oneOf(scalars, arrays, objects, nested);
    }
}
