package dev.postbox.server.console;

import dev.postbox.core.QueueAttributes;
import dev.postbox.core.QueueUrls;
import dev.postbox.core.RedrivePolicies;
import dev.postbox.core.SqsException;
import dev.postbox.core.api.*;
import dev.postbox.core.store.PeekedMessage;
import dev.postbox.core.store.QueueCounts;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;
import dev.postbox.core.store.QueueStore;
import dev.postbox.protocol.HttpExchange;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The web console at {@code /console/}: every queue with its counts and dead-letter wiring, updated live; a queue's
 * attributes, tags, charts and a message browser that peeks ({@link QueueStore#peek}: nothing a consumer would
 * notice changes); and the actions an operator needs: send, delete a message, purge (typed confirmation), create and
 * delete queues, start and cancel a dead-letter redrive. Actions go through the {@link SqsApi}, so they are checked
 * as SQS requests are; only the browser and deleting a message read or change the store directly.
 *
 * <p>With authentication off it is served only on loopback (the server decides) and acts as the server's account
 * unless a page names another ({@code ?account=&region=}). With authentication on, it asks to sign in with an
 * access key and its secret ({@link SignIn}) and shows and acts on that identity's account only, as that identity
 * (its requests are authenticated: queue policies apply). A POST whose {@code Origin} is another site's is refused
 * (a page elsewhere cannot make the browser act here).
 */
public final class Console implements AutoCloseable {
    /** Checks a sign-in: the identity whose access key and secret these are, if they are. */
    @FunctionalInterface
    public interface SignIn {
        Optional<Identity> check(String accessKeyId, String secretAccessKey);
    }

    /** An identity that signed in. */
    public record Identity(String accountId, String principalId) {
    }

    /** Who is looking: with authentication off, the operator of every account ({@code accountId} null). */
    private record Viewer(String accountId, String principalId, boolean authenticated) {
        static final Viewer OPERATOR = new Viewer(null, "console", false);
    }

    static final int PAGE = 20;
    /** The URLs the console passes to the service: any style names the queue; path style needs no DNS. */
    private static final QueueUrls PATH_URLS = new QueueUrls(QueueUrls.Style.PATH);
    /** How many messages a search looks through. */
    static final int SEARCH_SCAN = 2_000;

    private final SqsApi service;
    private final QueueStore store;
    private final InstantSource clock;
    private final String region;
    private final String account;
    private final QueueHistory history;
    /** Null: authentication is off, nobody signs in. */
    private final SignIn signIn;
    private final Sessions sessions;
    /** Pages are made here, off the event loops: a store's futures may complete on them. */
    private final ExecutorService pages = Executors.newVirtualThreadPerTaskExecutor();

    /**
     * @param history the queues' last hour (from the metrics), or null when metrics are off
     * @param signIn  how a sign-in is checked when authentication is on; null when it is off
     */
    public Console(SqsApi service, QueueStore store, InstantSource clock, String region, String account,
                   QueueHistory history, SignIn signIn) {
        this.service = service;
        this.store = store;
        this.clock = clock;
        this.region = region;
        this.account = account;
        this.history = history;
        this.signIn = signIn;
        this.sessions = new Sessions(InstantSource.system());
    }

    /** Whether the path is the console's. */
    public static boolean owns(String path) {
        return path.equals("/console") || path.startsWith("/console/");
    }

    /** The answer to a console request. */
    public CompletableFuture<HttpExchange.Response> answer(HttpExchange.Request request) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return route(request);
            } catch (SqsException e) {
                return html(400, Html.page("Error", "<p class=\"flash error\">" + Html.escape(e.getMessage()) + "</p>"));
            }
        }, pages);
    }

    private HttpExchange.Response route(HttpExchange.Request request) {
        String path = request.path().substring("/console".length());
        Map<String, String> query = Html.decode(request.rawQuery());
        boolean post = request.method().equals("POST");
        if (post && !sameOrigin(request)) {
            return text(403, "A form of another site may not act here.");
        }
        if (path.isEmpty()) {
            return redirect("/console/");
        }
        if (path.startsWith("/static/") && !post) {
            return asset(path.substring("/static/".length()));
        }
        Viewer signedIn = null;
        if (signIn != null) {
            if (path.equals("/sign-in")) {
                return post ? signIn(request) : html(200, ConsolePages.signIn(null));
            }
            Optional<Sessions.Session> session = sessions.of(request.header("cookie"));
            if (session.isEmpty()) {
                return redirect("/console/sign-in");
            }
            if (path.equals("/sign-out") && post) {
                sessions.end(request.header("cookie"));
                return new HttpExchange.Response(303, "text/plain", Map.of("Location", "/console/sign-in",
                        "Set-Cookie", Sessions.COOKIE + "=; Path=/console; Max-Age=0"), new byte[0]);
            }
            signedIn = new Viewer(session.get().accountId(), session.get().principalId(), true);
        }
        Viewer viewer = signedIn != null ? signedIn : Viewer.OPERATOR;
        if (path.equals("/") && !post) {
            return html(200, ConsolePages.queueList(query.getOrDefault("filter", ""), viewer.authenticated()
                    ? viewer.principalId() + " (" + viewer.accountId() + ")" : null));
        }
        if (path.equals("/queues-table") && !post) {
            return html(200, ConsolePages.queueTable(overview(viewer, query.getOrDefault("filter", ""))));
        }
        if (path.equals("/queues") && post) {
            Map<String, String> form = form(request);
            QueueKey key = key(viewer, form, form.getOrDefault("name", "").trim());
            Map<String, String> attributes = new HashMap<>();
            if (key.name().endsWith(".fifo")) {
                attributes.put(QueueAttributes.FIFO_QUEUE, "true");
            }
            return act(key, "/console/", () -> await(service.createQueue(call(request, viewer, key),
                    new CreateQueue.Request(key.name(), attributes, Map.of()))), "Created " + key.name() + ".",
                    queuePath(key));
        }
        if (path.startsWith("/queues/")) {
            String[] rest = path.substring("/queues/".length()).split("/", 2);
            String name = java.net.URLDecoder.decode(rest[0], StandardCharsets.UTF_8);
            Map<String, String> params = post ? form(request) : query;
            QueueKey key = key(viewer, params, name);
            String action = rest.length > 1 ? rest[1] : "";
            return post ? queueAction(request, viewer, key, action, params)
                    : queueView(request, viewer, key, action, query);
        }
        return text(404, "No such console page.");
    }

    /** The queue a page or form names; a signed-in identity sees its own account's only. */
    private QueueKey key(Viewer viewer, Map<String, String> params, String name) {
        return new QueueKey(params.getOrDefault("region", region), viewer.accountId() != null ? viewer.accountId()
                : params.getOrDefault("account", account), name);
    }

    private HttpExchange.Response signIn(HttpExchange.Request request) {
        Map<String, String> form = form(request);
        Optional<Identity> identity = signIn.check(form.getOrDefault("accessKeyId", "").trim(),
                form.getOrDefault("secretAccessKey", ""));
        if (identity.isEmpty()) {
            return html(403, ConsolePages.signIn("The access key or its secret is not right."));
        }
        String token = sessions.start(identity.get().accountId(), identity.get().principalId());
        return new HttpExchange.Response(303, "text/plain", Map.of("Location", "/console/", "Set-Cookie",
                Sessions.COOKIE + "=" + token + "; Path=/console; HttpOnly; SameSite=Strict"
                        + (request.secure() ? "; Secure" : "") + "; Max-Age=" + Sessions.LIFETIME.toSeconds()),
                new byte[0]);
    }

    // ---- views ----------------------------------------------------------------------------------------------------

    /**
     * One row of the queue list.
     *
     * @param deadLetterTarget the name of the queue its dead letters go to, or null
     * @param sources          the names of the queues whose dead letters come here
     */
    record Row(QueueRecord queue, QueueCounts counts, Instant now, String deadLetterTarget, List<String> sources) {
    }

    /** The viewer's queues whose names contain the filter, with their counts (read together) and wiring. */
    private List<Row> overview(Viewer viewer, String filter) {
        Instant now = clock.instant();
        List<QueueRecord> all = await(store.allQueues());
        Map<String, String> targetByArn = new HashMap<>();
        Map<String, List<String>> sourcesByTarget = new HashMap<>();
        for (QueueRecord queue : all) {
            String redrive = queue.attributes().get(QueueAttributes.REDRIVE_POLICY);
            if (redrive != null && !redrive.isEmpty()) {
                String target = RedrivePolicies.parseRedrivePolicy(redrive).deadLetterTargetArn();
                targetByArn.put(QueueUrls.arn(queue.key()), target.substring(target.lastIndexOf(':') + 1));
                sourcesByTarget.computeIfAbsent(target, k -> new ArrayList<>()).add(queue.key().name());
            }
        }
        String needle = filter.toLowerCase(Locale.ROOT);
        List<QueueRecord> shown = all.stream()
                .filter(q -> viewer.accountId() == null || q.key().accountId().equals(viewer.accountId()))
                .filter(q -> q.key().name().toLowerCase(Locale.ROOT).contains(needle))
                .sorted(Comparator.comparing((QueueRecord q) -> q.key().name()).thenComparing(q -> q.key().region())
                        .thenComparing(q -> q.key().accountId()))
                .toList();
        List<CompletableFuture<QueueCounts>> counts = shown.stream()
                .map(queue -> store.counts(queue.key(), now)).toList();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < shown.size(); i++) {
            QueueRecord queue = shown.get(i);
            String arn = QueueUrls.arn(queue.key());
            try {
                rows.add(new Row(queue, await(counts.get(i)), now, targetByArn.get(arn),
                        sourcesByTarget.getOrDefault(arn, List.of())));
            } catch (SqsException deletedMeanwhile) {
                // not listed
            }
        }
        return rows;
    }

    private HttpExchange.Response queueView(HttpExchange.Request request, Viewer viewer, QueueKey key, String view,
                                            Map<String, String> query) {
        QueueRecord queue = await(store.queue(key)).orElseThrow(SqsException::queueDoesNotExist);
        if (view.equals("history.json")) {
            return new HttpExchange.Response(200, "application/json", Map.of(),
                    (history == null ? "[]" : history.json(key)).getBytes(StandardCharsets.UTF_8));
        }
        if (!view.isEmpty()) {
            return text(404, "No such console page.");
        }
        CallContext call = call(request, viewer, key);
        String url = url(request, key);
        Instant now = clock.instant();
        QueueCounts counts = await(store.counts(key, now));
        Map<String, String> tags = await(service.listQueueTags(call, new ListQueueTags.Request(url))).tags();
        String search = query.getOrDefault("q", "").trim();
        long after = parseLong(query.get("after"));
        List<PeekedMessage> messages = search.isEmpty() ? await(store.peek(key, after, PAGE, now))
                : search(key, after, search, now);
        List<String> sources = await(service.listDeadLetterSourceQueues(call,
                new ListDeadLetterSourceQueues.Request(url, null, null))).queueUrls();
        List<ListMessageMoveTasks.Entry> tasks = sources.isEmpty() ? List.of()
                : await(service.listMessageMoveTasks(call, new ListMessageMoveTasks.Request(QueueUrls.arn(key), 10)))
                .results();
        return html(200, ConsolePages.queuePage(new ConsolePages.QueueView(queue, counts, tags, messages, search,
                after, sources, tasks, query.get("done"), query.get("error"), history != null, now)));
    }

    /** Messages after {@code after} whose body or attribute values contain the text (case-insensitive). */
    private List<PeekedMessage> search(QueueKey key, long after, String text, Instant now) {
        String needle = text.toLowerCase(Locale.ROOT);
        List<PeekedMessage> found = new ArrayList<>();
        long position = after;
        for (int scanned = 0; scanned < SEARCH_SCAN && found.size() < PAGE; ) {
            List<PeekedMessage> page = await(store.peek(key, position, 200, now));
            if (page.isEmpty()) {
                break;
            }
            for (PeekedMessage message : page) {
                if (found.size() < PAGE && matches(message, needle)) {
                    found.add(message);
                }
            }
            scanned += page.size();
            position = page.getLast().sequence();
        }
        return found;
    }

    private static boolean matches(PeekedMessage message, String needle) {
        if (message.data().body().toLowerCase(Locale.ROOT).contains(needle)) {
            return true;
        }
        return message.data().attributes().entrySet().stream().anyMatch(a ->
                a.getKey().toLowerCase(Locale.ROOT).contains(needle) || (a.getValue().stringValue() != null
                        && a.getValue().stringValue().toLowerCase(Locale.ROOT).contains(needle)));
    }

    // ---- actions --------------------------------------------------------------------------------------------------

    private HttpExchange.Response queueAction(HttpExchange.Request request, Viewer viewer, QueueKey key,
                                              String action, Map<String, String> form) {
        CallContext call = call(request, viewer, key);
        String url = url(request, key);
        String back = queuePath(key);
        return switch (action) {
            case "send" -> act(key, back, () -> {
                Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
                for (String line : form.getOrDefault("attributes", "").split("\\R")) {
                    int eq = line.indexOf('=');
                    if (eq > 0) {
                        attributes.put(line.substring(0, eq).trim(),
                                MessageAttributeValue.ofString("String", line.substring(eq + 1).trim()));
                    }
                }
                String delay = form.getOrDefault("delay", "").trim();
                await(service.sendMessage(call, new SendMessage.Request(url, form.getOrDefault("body", ""),
                        delay.isEmpty() ? null : Integer.valueOf(delay), attributes, Map.of(),
                        blankToNull(form.get("deduplicationId")), blankToNull(form.get("groupId")))));
            }, "Sent.", back);
            case "purge" -> form.getOrDefault("confirm", "").equals(key.name())
                    ? act(key, back, () -> await(service.purgeQueue(call, new PurgeQueue.Request(url))), "Purged.", back)
                    : redirect(back + "&error=" + Html.url("Type the queue's name to purge it."));
            case "delete" -> form.getOrDefault("confirm", "").equals(key.name())
                    ? act(key, back, () -> await(service.deleteQueue(call, new DeleteQueue.Request(url))),
                    "Deleted " + key.name() + ".", "/console/?")
                    : redirect(back + "&error=" + Html.url("Type the queue's name to delete it."));
            case "attributes" -> act(key, back, () -> await(service.setQueueAttributes(call,
                    new SetQueueAttributes.Request(url, Map.of(form.getOrDefault("name", ""),
                            form.getOrDefault("value", ""))))), "Set " + form.get("name") + ".", back);
            case "messages/delete" -> act(key, back, () -> {
                QueueStore.DeleteOutcome outcome = await(store.delete(key, parseLong(form.get("sequence")),
                        (int) parseLong(form.get("receiveCount")), clock.instant()));
                if (outcome != QueueStore.DeleteOutcome.DELETED) {
                    throw new SqsException(dev.postbox.core.ErrorCode.INVALID_PARAMETER_VALUE, switch (outcome) {
                        case STALE_RECEIPT -> "The message was received again since the page was shown; nothing was"
                                + " deleted.";
                        case EXPIRED -> "On a FIFO queue only a message in flight can be deleted (as with a receipt"
                                + " handle); nothing was deleted.";
                        default -> "The message is not there any more; nothing was deleted.";
                    });
                }
            }, "Deleted the message.", back);
            case "redrive" -> act(key, back, () -> await(service.startMessageMoveTask(call,
                    new StartMessageMoveTask.Request(QueueUrls.arn(key), null, null))), "Redrive started.", back);
            case "redrive/cancel" -> act(key, back, () -> await(service.cancelMessageMoveTask(call,
                    new CancelMessageMoveTask.Request(form.get("taskHandle")))), "Redrive cancelled.", back);
            default -> text(404, "No such console action.");
        };
    }

    /** Runs an action and goes to {@code then} saying it was done, or back saying why it failed. */
    private HttpExchange.Response act(QueueKey key, String back, Runnable action, String done, String then) {
        try {
            action.run();
        } catch (SqsException e) {
            return redirect(back + (back.contains("?") ? "&" : "?") + "error=" + Html.url(e.getMessage()));
        }
        return redirect(then + (then.contains("?") ? "&" : "?") + "done=" + Html.url(done));
    }

    // ---- plumbing -------------------------------------------------------------------------------------------------

    static String queuePath(QueueKey key) {
        return "/console/queues/" + Html.url(key.name()) + "?region=" + Html.url(key.region()) + "&account="
                + Html.url(key.accountId());
    }

    private static String baseUrl(HttpExchange.Request request) {
        String host = request.header("host");
        return (request.secure() ? "https://" : "http://") + (host == null || host.isEmpty() ? "localhost" : host);
    }

    private static String url(HttpExchange.Request request, QueueKey key) {
        return PATH_URLS.url(baseUrl(request), key);
    }

    /** The console's requests: as the signed-in identity (authenticated), else as the queue's account's operator. */
    private static CallContext call(HttpExchange.Request request, Viewer viewer, QueueKey key) {
        return new CallContext(baseUrl(request), viewer.principalId(), key.region(), null, null,
                viewer.accountId() != null ? viewer.accountId() : key.accountId(), viewer.authenticated(),
                request.remoteAddress(), request.secure());
    }

    /** A browser sends Origin with a POST: it must be this server's (scheme, host and port as the client used). */
    private static boolean sameOrigin(HttpExchange.Request request) {
        String origin = request.header("origin");
        return origin == null || origin.equals(baseUrl(request));
    }

    private static Map<String, String> form(HttpExchange.Request request) {
        return Html.decode(new String(request.body(), StandardCharsets.UTF_8));
    }

    private static long parseLong(String text) {
        try {
            return text == null || text.isEmpty() ? 0 : Long.parseLong(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text.trim();
    }

    private static <T> T await(CompletableFuture<T> pending) {
        return QueueStore.await(pending);
    }

    private static final Map<String, String> ASSETS = Map.of(
            "htmx.min.js", "META-INF/resources/webjars/htmx.org/2.0.4/dist/htmx.min.js",
            "uPlot.iife.min.js", "META-INF/resources/webjars/uplot/1.6.30/dist/uPlot.iife.min.js",
            "uPlot.min.css", "META-INF/resources/webjars/uplot/1.6.30/dist/uPlot.min.css");

    /** The assets' bytes, read from the jar once each. */
    private static final Map<String, byte[]> ASSET_BYTES = new java.util.concurrent.ConcurrentHashMap<>();

    /** The scripts and style the pages use, from their WebJars: no network needed. */
    private static HttpExchange.Response asset(String name) {
        String resource = ASSETS.get(name);
        if (resource == null) {
            return text(404, "No such file.");
        }
        byte[] bytes = ASSET_BYTES.computeIfAbsent(name, n -> read(resource));
        if (bytes == null) {
            return text(404, "Missing from this build: " + resource);
        }
        return new HttpExchange.Response(200, name.endsWith(".css") ? "text/css" : "text/javascript",
                Map.of("Cache-Control", "max-age=86400"), bytes);
    }

    /** A resource's bytes, or null when the jar lacks it. */
    private static byte[] read(String resource) {
        try (InputStream in = Console.class.getClassLoader().getResourceAsStream(resource)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not read " + resource, e);
        }
    }

    static HttpExchange.Response html(int status, String page) {
        return new HttpExchange.Response(status, "text/html; charset=utf-8", Map.of(),
                page.getBytes(StandardCharsets.UTF_8));
    }

    public static HttpExchange.Response text(int status, String text) {
        return new HttpExchange.Response(status, "text/plain; charset=utf-8", Map.of(),
                text.getBytes(StandardCharsets.UTF_8));
    }

    private static HttpExchange.Response redirect(String location) {
        return new HttpExchange.Response(303, "text/plain", Map.of("Location", location), new byte[0]);
    }

    @Override
    public void close() {
        pages.shutdownNow();
        if (history != null) {
            history.close();
        }
    }
}
