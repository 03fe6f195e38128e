package dev.postbox.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.postbox.core.ErrorCode;
import dev.postbox.core.SqsException;
import dev.postbox.core.api.CallContext;
import dev.postbox.core.api.SqsApi;
import dev.postbox.core.api.Waits;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One HTTP request in, one HTTP response out: detects the protocol (AWS JSON 1.0 by {@code X-Amz-Target}, else the
 * query protocol by {@code Action}), decodes, calls the {@link SqsApi} method of the same name, and encodes the result
 * or the error in the request's protocol. Never lets an exception or internal detail reach the wire.
 */
public final class RequestDispatcher {
    private static final System.Logger LOG = System.getLogger(RequestDispatcher.class.getName());
    private static final String JSON_CONTENT_TYPE = "application/x-amz-json-1.0";
    private static final String XML_CONTENT_TYPE = "text/xml";
    private static final String TARGET_PREFIX = "AmazonSQS.";
    private static final byte[] EMPTY_JSON_OBJECT = "{}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] UNKNOWN_OPERATION = "<UnknownOperationException/>".getBytes(StandardCharsets.UTF_8);

    /**
     * @param region        the region of requests whose signature names none (and of unsigned ones)
     * @param accountId     the account of this server (the SenderId of unsigned requests)
     * @param publicBaseUrl scheme://host:port that queue URLs start with; null to use the request's Host
     * @param scheme        the scheme of queue URLs made from the Host header: {@code https} when the server serves
     *                      TLS
     */
    public record Settings(String region, String accountId, String publicBaseUrl, String scheme) {
        public Settings(String region, String accountId, String publicBaseUrl) {
            this(region, accountId, publicBaseUrl, "http");
        }
    }

    private enum Protocol { JSON, QUERY }

    /** Told of every answered request (the access log); called on whichever thread completed the answer. */
    @FunctionalInterface
    public interface Listener {
        void answered(Answered answered);
    }

    /**
     * One answered request.
     *
     * @param action    the operation, or null when the request named none that exists
     * @param queueUrl  the queue URL it named, or null
     * @param errorCode the error's code ({@code QueueDoesNotExist}), null for a success
     */
    public record Answered(String requestId, String remoteAddress, String action, String queueUrl, int status,
                           String errorCode, long nanos) {
    }

    /** What the dispatcher learns of a request on its way, for the {@link Listener}. */
    private static final class Facts {
        String action;
        String queueUrl;
        String errorCode;
    }

    private final SqsApi api;
    private final Settings settings;
    private final Authenticator authenticator;
    /** Null: nobody listens. */
    private final Listener listener;

    /** Without authentication ({@link Authenticator#none}). */
    public RequestDispatcher(SqsApi api, Settings settings) {
        this(api, settings, Authenticator.none(settings.accountId()));
    }

    public RequestDispatcher(SqsApi api, Settings settings, Authenticator authenticator) {
        this(api, settings, authenticator, null);
    }

    /** @param listener told of every answered request, or null */
    public RequestDispatcher(SqsApi api, Settings settings, Authenticator authenticator, Listener listener) {
        this.api = api;
        this.settings = settings;
        this.authenticator = authenticator;
        this.listener = listener;
    }

    /**
     * The response: complete at once unless the operation waits (a long poll, a durable store's commit or read), and
     * then completed by whichever thread finished that. Never completes exceptionally: failures become error
     * responses. Called on an event loop: nothing here blocks (the {@code SqsApi} contract).
     *
     * @param waits where the caller's long polls resume and keep their deadlines (see {@link Waits})
     */
    public CompletableFuture<HttpExchange.Response> handle(HttpExchange.Request request, String requestId,
                                                           Waits waits) {
        Protocol protocol = request.header("x-amz-target") != null ? Protocol.JSON : Protocol.QUERY;
        Facts facts = listener == null ? null : new Facts();
        long start = listener == null ? 0 : System.nanoTime();
        CompletableFuture<HttpExchange.Response> response;
        try {
            CallContext call = callContext(request, waits);
            response = protocol == Protocol.JSON ? handleJson(request, call, requestId, facts)
                    : handleQuery(request, call, requestId, facts);
        } catch (RuntimeException e) {
            response = CompletableFuture.completedFuture(error(protocol, e, requestId, facts));
        }
        if (!response.isDone() || response.isCompletedExceptionally()) {
            response = response.exceptionally(e -> error(protocol, e instanceof CompletionException c
                    && c.getCause() != null ? c.getCause() : e, requestId, facts));
        }
        if (listener != null) {
            response = response.thenApply(answer -> {
                listener.answered(new Answered(requestId, request.remoteAddress(), facts.action, facts.queueUrl,
                        answer.status(), facts.errorCode, System.nanoTime() - start));
                return answer;
            });
        }
        return response;
    }

    private static HttpExchange.Response error(Protocol protocol, Throwable e, String requestId, Facts facts) {
        if (facts != null) {
            facts.errorCode = e instanceof SqsException sqs ? sqs.code().shapeName() : ErrorCode.INTERNAL_ERROR
                    .shapeName();
        }
        if (e instanceof SqsException sqs) {
            return error(protocol, sqs.code(), sqs.getMessage(), requestId);
        }
        LOG.log(System.Logger.Level.ERROR, "request " + requestId + " failed", e);
        return error(protocol, ErrorCode.INTERNAL_ERROR, "We encountered an internal error. Please try again.",
                requestId);
    }

    /** An error response in the protocol the request used (for errors raised outside the dispatcher). */
    public static HttpExchange.Response error(HttpExchange.Request request, ErrorCode code, String message,
                                              String requestId) {
        return error(request.header("x-amz-target") != null ? Protocol.JSON : Protocol.QUERY, code, message, requestId);
    }

    private CompletableFuture<HttpExchange.Response> handleJson(HttpExchange.Request request, CallContext call,
                                                                String requestId, Facts facts) {
        String target = request.header("x-amz-target");
        Action action = target.startsWith(TARGET_PREFIX) ? Action.named(target.substring(TARGET_PREFIX.length()))
                : null;
        if (action == null) {
            throw new SqsException(ErrorCode.INVALID_ACTION, "The action " + target.substring(
                    target.indexOf('.') + 1) + " is not valid for this endpoint.");
        }
        JsonNode body;
        if (request.body().length == 0) {
            body = Json.object();
        } else {
            try {
                body = Json.read(request.body());
            } catch (java.io.IOException e) {
                throw new SqsException(ErrorCode.MALFORMED_REQUEST, "The request body is not valid JSON.");
            }
        }
        if (body == null || !body.isObject()) {
            throw new SqsException(ErrorCode.MALFORMED_REQUEST, "The request body must be a JSON object.");
        }
        return dispatch(action, new Params(body), request, call, facts).thenApply(result -> new HttpExchange.Response(200,
                JSON_CONTENT_TYPE, Map.of("x-amzn-RequestId", requestId), result == null ? EMPTY_JSON_OBJECT
                : Json.write(result)));
    }

    private CompletableFuture<HttpExchange.Response> handleQuery(HttpExchange.Request request, CallContext call,
                                                                 String requestId, Facts facts) {
        Map<String, String> parameters = QueryParameters.parse(request.rawQuery(), new LinkedHashMap<>());
        String contentType = request.header("content-type");
        if (request.body().length > 0 && (contentType == null
                || contentType.toLowerCase().startsWith("application/x-www-form-urlencoded"))) {
            QueryParameters.parse(new String(request.body(), StandardCharsets.UTF_8), parameters);
        }
        String actionName = parameters.get("Action");
        if ((actionName == null || actionName.isEmpty()) && "GET".equals(request.method())
                && isQueuePath(request.path())) {
            // A browser or probe opening a queue URL: AWS answers 404 with this body, whatever the Accept header.
            return CompletableFuture.completedFuture(new HttpExchange.Response(404, XML_CONTENT_TYPE,
                    Map.of("x-amzn-RequestId", requestId), UNKNOWN_OPERATION));
        }
        if (actionName == null || actionName.isEmpty()) {
            throw SqsException.missingParameter("Action");
        }
        Action action = Action.named(actionName);
        if (action == null) {
            throw new SqsException(ErrorCode.INVALID_ACTION, "The action " + actionName
                    + " is not valid for this endpoint.");
        }
        boolean json = acceptsJson(request.header("accept"));
        return dispatch(action, new Params(QueryParameters.toTree(parameters)), request, call, facts).thenApply(result ->
                json ? new HttpExchange.Response(200, "application/json", Map.of("x-amzn-RequestId", requestId),
                        QueryJsonWriter.success(action, result, requestId))
                        : new HttpExchange.Response(200, XML_CONTENT_TYPE, Map.of("x-amzn-RequestId", requestId),
                        XmlWriter.success(action, result, requestId)));
    }

    /** Whether a query request asks for its answer in JSON ({@link QueryJsonWriter}). */
    private static boolean acceptsJson(String accept) {
        return accept != null && accept.toLowerCase(java.util.Locale.ROOT).contains("application/json");
    }

    /** Calls the operation; its result tree, or null for operations without output. */
    private CompletableFuture<ObjectNode> dispatch(Action action, Params p, HttpExchange.Request request,
                                                   CallContext call, Facts facts) {
        boolean queuePath = isQueuePath(request.path());
        if (queuePath && (action == Action.CreateQueue || action == Action.ListQueues)) {
            throw new SqsException(ErrorCode.INVALID_ACTION, "The action " + action
                    + " is not valid for this endpoint.");
        }
        String queueUrl = p.string("QueueUrl");
        if ((queueUrl == null || queueUrl.isEmpty()) && queuePath) {
            queueUrl = call.baseUrl() + request.path();
        }
        if (facts != null) {
            facts.action = action.name();
            facts.queueUrl = queueUrl;
        }
        return switch (action) {
            case CreateQueue -> api.createQueue(call, Requests.createQueue(p)).thenApply(Results::createQueue);
            case GetQueueUrl -> api.getQueueUrl(call, Requests.getQueueUrl(p)).thenApply(Results::getQueueUrl);
            case ListQueues -> api.listQueues(call, Requests.listQueues(p)).thenApply(Results::listQueues);
            case DeleteQueue -> noOutput(api.deleteQueue(call, Requests.deleteQueue(p, queueUrl)));
            case GetQueueAttributes -> api.getQueueAttributes(call, Requests.getQueueAttributes(p, queueUrl))
                    .thenApply(Results::getQueueAttributes);
            case SetQueueAttributes ->
                    noOutput(api.setQueueAttributes(call, Requests.setQueueAttributes(p, queueUrl)));
            case PurgeQueue -> noOutput(api.purgeQueue(call, Requests.purgeQueue(p, queueUrl)));
            case SendMessage ->
                    api.sendMessage(call, Requests.sendMessage(p, queueUrl)).thenApply(Results::sendMessage);
            case SendMessageBatch -> api.sendMessageBatch(call, Requests.sendMessageBatch(p, queueUrl))
                    .thenApply(Results::sendMessageBatch);
            case ReceiveMessage -> api.receiveMessage(call, Requests.receiveMessage(p, queueUrl))
                    .thenApply(Results::receiveMessage);
            case DeleteMessage -> noOutput(api.deleteMessage(call, Requests.deleteMessage(p, queueUrl)));
            case DeleteMessageBatch -> api.deleteMessageBatch(call, Requests.deleteMessageBatch(p, queueUrl))
                    .thenApply(Results::deleteMessageBatch);
            case ChangeMessageVisibility ->
                    noOutput(api.changeMessageVisibility(call, Requests.changeMessageVisibility(p, queueUrl)));
            case ChangeMessageVisibilityBatch -> api.changeMessageVisibilityBatch(call,
                            Requests.changeMessageVisibilityBatch(p, queueUrl))
                    .thenApply(Results::changeMessageVisibilityBatch);
            case TagQueue -> noOutput(api.tagQueue(call, Requests.tagQueue(p, queueUrl)));
            case UntagQueue -> noOutput(api.untagQueue(call, Requests.untagQueue(p, queueUrl)));
            case ListQueueTags -> api.listQueueTags(call, Requests.listQueueTags(p, queueUrl))
                    .thenApply(Results::listQueueTags);
            case AddPermission -> noOutput(api.addPermission(call, Requests.addPermission(p, queueUrl)));
            case RemovePermission -> noOutput(api.removePermission(call, Requests.removePermission(p, queueUrl)));
            case ListDeadLetterSourceQueues -> api.listDeadLetterSourceQueues(call,
                    Requests.listDeadLetterSourceQueues(p, queueUrl)).thenApply(Results::listDeadLetterSourceQueues);
            case StartMessageMoveTask -> api.startMessageMoveTask(call, Requests.startMessageMoveTask(p))
                    .thenApply(Results::startMessageMoveTask);
            case ListMessageMoveTasks -> api.listMessageMoveTasks(call, Requests.listMessageMoveTasks(p))
                    .thenApply(Results::listMessageMoveTasks);
            case CancelMessageMoveTask -> api.cancelMessageMoveTask(call, Requests.cancelMessageMoveTask(p))
                    .thenApply(Results::cancelMessageMoveTask);
        };
    }

    private static CompletableFuture<ObjectNode> noOutput(CompletableFuture<Void> done) {
        return done.thenApply(none -> null);
    }

    private static boolean isQueuePath(String path) {
        return path != null && !path.isEmpty() && !path.equals("/");
    }

    private CallContext callContext(HttpExchange.Request request, Waits waits) {
        String baseUrl = settings.publicBaseUrl();
        if (baseUrl == null) {
            String host = request.header("host");
            baseUrl = settings.scheme() + "://" + (host == null || host.isEmpty() ? "localhost" : host);
        }
        Authenticator.Caller caller = authenticator.authenticate(request);
        return new CallContext(baseUrl, caller.principalId(),
                caller.region() != null ? caller.region() : settings.region(), waits,
                request.header("x-amzn-trace-id"), caller.accountId(), caller.authenticated(),
                request.remoteAddress(), request.secure());
    }

    private static HttpExchange.Response error(Protocol protocol, ErrorCode code, String message, String requestId) {
        String fault = code.senderFault() ? "Sender" : "Receiver";
        if (protocol == Protocol.QUERY) {
            if (code == ErrorCode.QUEUE_DOES_NOT_EXIST) {
                message = "The specified queue does not exist for this wsdl version.";
            }
            return new HttpExchange.Response(code.httpStatus(), XML_CONTENT_TYPE, Map.of("x-amzn-RequestId", requestId),
                    XmlWriter.error(fault, code.queryCode(), message, requestId));
        }
        ObjectNode body = Json.object();
        body.put("__type", (code.modeled() ? "com.amazonaws.sqs#" : "com.amazon.coral.service#") + code.shapeName());
        body.put("message", message);
        return new HttpExchange.Response(code.httpStatus(), JSON_CONTENT_TYPE, Map.of("x-amzn-RequestId", requestId,
                "x-amzn-query-error", code.queryCode() + ";" + fault), Json.write(body));
    }
}
