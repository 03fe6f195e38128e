package dev.postbox.server.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.postbox.core.api.ListMessageMoveTasks;
import dev.postbox.core.api.MessageAttributeValue;
import dev.postbox.core.store.PeekedMessage;
import dev.postbox.core.store.QueueCounts;
import dev.postbox.core.store.QueueKey;
import dev.postbox.core.store.QueueRecord;

import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.postbox.server.console.Html.escape;

/** The console's pages, rendered on the server: HTML with a little htmx (live list) and uPlot (charts). */
final class ConsolePages {
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ConsolePages() {
    }

    static String signIn(String error) {
        return Html.page("Sign in", (error == null ? "" : "<p class=\"flash error\" id=\"error\">" + escape(error)
                + "</p>") + """
                <section style="max-width:28rem"><h1>Sign in</h1>
                <p class="muted">With an access key of this server's identities: you see and act on its account's
                queues, as that identity.</p>
                <form method="post" action="/console/sign-in">
                  <label>Access key id <input name="accessKeyId" id="access-key" autocomplete="username" required></label>
                  <label>Secret access key <input name="secretAccessKey" id="secret" type="password"
                    autocomplete="current-password" required></label>
                  <button type="submit" id="sign-in">Sign in</button></form></section>
                """);
    }

    /** @param signedIn who signed in, or null when nobody needs to */
    static String queueList(String filter, String signedIn) {
        String table = "/console/queues-table?filter=" + Html.url(filter);
        String who = signedIn == null ? "" : "<form method=\"post\" action=\"/console/sign-out\" style=\"float:right\">"
                + "<span id=\"signed-in\">" + escape(signedIn) + "</span> <button type=\"submit\">Sign out</button>"
                + "</form>";
        return Html.page("Queues", who + """
                <h1>Queues</h1>
                <section><input type="search" name="filter" id="filter" placeholder="Filter by name" value="%s"
                  hx-get="/console/queues-table" hx-trigger="input changed delay:300ms" hx-target="#queues">
                <form method="post" action="/console/queues" class="inline" style="float:right">
                  <input name="name" id="new-queue" placeholder="new-queue (or name.fifo)" required>
                  <button type="submit" id="create">Create queue</button></form></section>
                <div id="queues" hx-get="%s" hx-trigger="load, every 2s" hx-include="#filter">Loading…</div>
                """.formatted(escape(filter), escape(table)));
    }

    static String queueTable(List<Console.Row> rows) {
        StringBuilder html = new StringBuilder("<table id=\"queue-table\"><thead><tr><th>Queue</th><th>Type</th>"
                + "<th>Region</th><th>Account</th><th>Visible</th><th>In flight</th><th>Delayed</th>"
                + "<th>Oldest</th><th>Dead letters go to</th><th>Dead-letter queue of</th></tr></thead><tbody>");
        for (Console.Row row : rows) {
            QueueRecord queue = row.queue();
            QueueKey key = queue.key();
            html.append("<tr data-queue=\"").append(escape(key.name())).append("\"><td><a href=\"")
                    .append(escape(Console.queuePath(key))).append("\">").append(escape(key.name())).append("</a></td>")
                    .append("<td>").append(queue.fifo() ? "FIFO" : "standard").append("</td><td>")
                    .append(escape(key.region())).append("</td><td>").append(escape(key.accountId())).append("</td>")
                    .append(num("visible", row.counts().visible())).append(num("in-flight", row.counts().inFlight()))
                    .append(num("delayed", row.counts().delayed())).append("<td class=\"num\">")
                    .append(age(row.counts().oldestRetainedFrom(), row.now())).append("</td><td>")
                    .append(escape(row.deadLetterTarget())).append("</td><td>").append(escape(String.join(", ", row.sources())))
                    .append("</td></tr>");
        }
        if (rows.isEmpty()) {
            html.append("<tr><td colspan=\"10\" class=\"muted\">No queues.</td></tr>");
        }
        return html.append("</tbody></table>").toString();
    }

    private static String num(String name, long value) {
        return "<td class=\"num " + name + "\">" + value + "</td>";
    }

    private static String age(Instant oldest, Instant now) {
        if (oldest == null) {
            return "–";
        }
        long seconds = Math.max(0, Duration.between(oldest, now).toSeconds());
        return seconds < 120 ? seconds + " s" : seconds < 7200 ? seconds / 60 + " min" : seconds / 3600 + " h";
    }

    /** What a queue's page shows. */
    record QueueView(QueueRecord queue, QueueCounts counts, Map<String, String> tags, List<PeekedMessage> messages,
                     String search, long after, List<String> sources, List<ListMessageMoveTasks.Entry> tasks,
                     String done, String error, boolean charts, Instant now) {
    }

    static String queuePage(QueueView view) {
        QueueKey key = view.queue().key();
        String path = Console.queuePath(key);
        String action = "/console/queues/" + Html.url(key.name()) + "/";
        String hidden = "<input type=\"hidden\" name=\"region\" value=\"" + escape(key.region()) + "\">"
                + "<input type=\"hidden\" name=\"account\" value=\"" + escape(key.accountId()) + "\">";
        StringBuilder html = new StringBuilder("<h1 id=\"queue-name\">").append(escape(key.name())).append("</h1>");
        if (view.done() != null) {
            html.append("<p class=\"flash ok\" id=\"done\">").append(escape(view.done())).append("</p>");
        }
        if (view.error() != null) {
            html.append("<p class=\"flash error\" id=\"error\">").append(escape(view.error())).append("</p>");
        }
        QueueCounts counts = view.counts();
        html.append("<section><h2>Counts</h2><table id=\"counts\"><tr><th>Visible</th><th>In flight</th><th>Delayed</th>"
                + "<th>Oldest message</th></tr><tr>").append(num("visible", counts.visible()))
                .append(num("in-flight", counts.inFlight())).append(num("delayed", counts.delayed()))
                .append("<td class=\"num\">").append(age(counts.oldestRetainedFrom(), view.now()))
                .append("</td></tr></table></section>");
        if (view.charts()) {
            html.append("<section><h2>Last hour</h2><div id=\"rates\"></div><div id=\"depth\"></div></section>")
                    .append(chartScript(action + "history.json?region=" + Html.url(key.region()) + "&account="
                            + Html.url(key.accountId())));
        }
        html.append(messages(view, action, path, hidden));
        html.append("<div class=\"grid\"><section><h2>Send a message</h2><form method=\"post\" action=\"")
                .append(action).append("send\" id=\"send-form\">").append(hidden)
                .append("<label>Body<textarea name=\"body\" id=\"send-body\" rows=\"4\" required></textarea></label>")
                .append("<label>Message attributes (name=value per line, String)<textarea name=\"attributes\""
                        + " rows=\"2\"></textarea></label>")
                .append(view.queue().fifo() ? "<label>Group id <input name=\"groupId\" required></label>"
                        + "<label>Deduplication id <input name=\"deduplicationId\"></label>"
                        : "<label>Delay (s) <input name=\"delay\" type=\"number\" min=\"0\" max=\"900\"></label>")
                .append("<button type=\"submit\" id=\"send\">Send</button></form></section>");
        html.append("<section><h2>Attributes</h2><table id=\"attributes\">");
        new TreeMap<>(view.queue().attributes()).forEach((name, value) -> html.append("<tr><th>").append(escape(name))
                .append("</th><td><pre>").append(escape(pretty(value))).append("</pre></td></tr>"));
        html.append("</table><form method=\"post\" action=\"").append(action).append("attributes\">").append(hidden)
                .append("<select name=\"name\">");
        for (String name : List.of("VisibilityTimeout", "DelaySeconds", "MessageRetentionPeriod", "MaximumMessageSize",
                "ReceiveMessageWaitTimeSeconds", "RedrivePolicy", "RedriveAllowPolicy", "Policy")) {
            html.append("<option>").append(name).append("</option>");
        }
        html.append("</select> <input name=\"value\" placeholder=\"value\"> <button type=\"submit\">Set</button></form>")
                .append("<h2>Tags</h2><table id=\"tags\">");
        view.tags().forEach((name, value) -> html.append("<tr><th>").append(escape(name)).append("</th><td>")
                .append(escape(value)).append("</td></tr>"));
        if (view.tags().isEmpty()) {
            html.append("<tr><td class=\"muted\">None.</td></tr>");
        }
        html.append("</table></section></div>");
        if (!view.sources().isEmpty()) {
            html.append(redrive(view, action, hidden));
        }
        html.append("<section><h2>Danger zone</h2><form method=\"post\" action=\"").append(action)
                .append("purge\" id=\"purge-form\">").append(hidden)
                .append("<label>Type the queue's name to purge every message <input name=\"confirm\" id=\"purge-confirm\""
                        + " autocomplete=\"off\"></label><button type=\"submit\" class=\"danger\" id=\"purge\">Purge"
                        + "</button></form><form method=\"post\" action=\"").append(action)
                .append("delete\" id=\"delete-form\">").append(hidden)
                .append("<label>Type the queue's name to delete the queue <input name=\"confirm\""
                        + " autocomplete=\"off\"></label><button type=\"submit\" class=\"danger\">Delete queue"
                        + "</button></form></section>");
        return Html.page(key.name(), html.toString());
    }

    private static String messages(QueueView view, String action, String path, String hidden) {
        StringBuilder html = new StringBuilder("<section><h2>Messages</h2>"
                + "<p class=\"muted\">Peeked: looking changes nothing a consumer would notice (visibility, receive"
                + " counts, order).</p><form method=\"get\" action=\"/console/queues/")
                .append(Html.url(view.queue().key().name())).append("\">").append(hidden)
                .append("<input type=\"search\" name=\"q\" id=\"search\" placeholder=\"Search bodies and attributes\""
                        + " value=\"").append(escape(view.search())).append("\"> <button type=\"submit\">Search"
                        + "</button></form><table id=\"messages\"><thead><tr><th>Sent</th><th>State</th>"
                        + "<th>Receives</th><th>Body</th><th>Attributes</th><th></th></tr></thead><tbody>");
        for (PeekedMessage message : view.messages()) {
            html.append("<tr class=\"message\" data-message-id=\"").append(escape(message.data().messageId()))
                    .append("\"><td>").append(escape(message.retainedFrom().toString())).append("<br><span class=\""
                            + "muted\">").append(escape(message.data().messageId())).append("</span></td>")
                    .append("<td class=\"state-").append(message.state()).append("\">").append(message.state())
                    .append(message.visibleAt() == null ? "" : "<br><span class=\"muted\">until "
                            + escape(message.visibleAt().toString()) + "</span>").append("</td><td class=\"num\">")
                    .append(message.receiveCount()).append("</td><td><pre class=\"body\">")
                    .append(escape(pretty(message.data().body()))).append("</pre></td><td>")
                    .append(attributes(message)).append("</td><td><form method=\"post\" action=\"").append(action)
                    .append("messages/delete\">").append(hidden)
                    .append("<input type=\"hidden\" name=\"sequence\" value=\"").append(message.sequence())
                    .append("\"><input type=\"hidden\" name=\"receiveCount\" value=\"").append(message.receiveCount())
                    .append("\"><button type=\"submit\" class=\"delete-message\">Delete</button></form></td></tr>");
        }
        if (view.messages().isEmpty()) {
            html.append("<tr><td colspan=\"6\" class=\"muted\">No messages").append(view.search().isEmpty() ? ""
                    : " match (the first " + Console.SEARCH_SCAN + " after this point were searched)")
                    .append(".</td></tr>");
        }
        html.append("</tbody></table>");
        if (view.after() > 0) {
            html.append("<a href=\"").append(escape(path)).append("\">First page</a> ");
        }
        if (view.messages().size() == Console.PAGE) {
            html.append("<a id=\"next-page\" href=\"").append(escape(path + "&after=" + view.messages().getLast()
                    .sequence() + (view.search().isEmpty() ? "" : "&q=" + Html.url(view.search()))))
                    .append("\">Next page</a>");
        }
        return html.append("</section>").toString();
    }

    private static String attributes(PeekedMessage message) {
        StringBuilder html = new StringBuilder();
        for (Map.Entry<String, MessageAttributeValue> attribute : new TreeMap<>(message.data().attributes())
                .entrySet()) {
            MessageAttributeValue value = attribute.getValue();
            String shown = value.stringValue() != null ? value.stringValue()
                    : Base64.getEncoder().encodeToString(value.binaryValue());
            html.append("<div><b>").append(escape(attribute.getKey())).append("</b> (")
                    .append(escape(value.dataType())).append(") ").append(escape(shown)).append("</div>");
        }
        var data = message.data();
        html.append("<div class=\"muted\">SenderId ").append(escape(data.senderId())).append("</div>");
        if (data.groupId() != null && !data.groupId().isEmpty()) {
            html.append("<div class=\"muted\">Group ").append(escape(data.groupId())).append("</div>");
        }
        if (message.sequenceNumber() != null) {
            html.append("<div class=\"muted\">Sequence ").append(escape(message.sequenceNumber())).append("</div>");
        }
        if (data.deadLetterQueueSourceArn() != null) {
            html.append("<div class=\"muted\">From ").append(escape(data.deadLetterQueueSourceArn())).append("</div>");
        }
        return html.toString();
    }

    private static String redrive(QueueView view, String action, String hidden) {
        StringBuilder html = new StringBuilder("<section id=\"redrive\"><h2>Dead-letter queue of</h2><ul>");
        view.sources().forEach(source -> html.append("<li>").append(escape(source)).append("</li>"));
        html.append("</ul><form method=\"post\" action=\"").append(action).append("redrive\">").append(hidden)
                .append("<button type=\"submit\" id=\"start-redrive\">Move the messages back to their sources</button>"
                        + "</form><table id=\"tasks\"><tr><th>Started</th><th>Status</th><th>Moved</th>"
                        + "<th>To move</th><th></th></tr>");
        for (ListMessageMoveTasks.Entry task : view.tasks()) {
            html.append("<tr><td>").append(Instant.ofEpochMilli(task.startedTimestamp())).append("</td><td>")
                    .append(escape(task.status())).append(task.failureReason() == null ? ""
                            : " (" + escape(task.failureReason()) + ")").append("</td><td class=\"num\">")
                    .append(task.approximateNumberOfMessagesMoved()).append("</td><td class=\"num\">")
                    .append(task.approximateNumberOfMessagesToMove()).append("</td><td>");
            if (task.taskHandle() != null) {
                html.append("<form method=\"post\" action=\"").append(action).append("redrive/cancel\">").append(hidden)
                        .append("<input type=\"hidden\" name=\"taskHandle\" value=\"").append(escape(task.taskHandle()))
                        .append("\"><button type=\"submit\">Cancel</button></form>");
            }
            html.append("</td></tr>");
        }
        return html.append("</table></section>").toString();
    }

    /** JSON pretty-printed; anything else as it is. */
    static String pretty(String text) {
        String trimmed = text == null ? "" : text.trim();
        if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
            try {
                JsonNode tree = PRETTY.readTree(trimmed);
                return PRETTY.writeValueAsString(tree);
            } catch (Exception notJson) {
                return text;
            }
        }
        return text;
    }

    /** Draws the queue's last hour (samples every 10 s) with uPlot: rates per second, and depth. */
    private static String chartScript(String historyUrl) {
        return """
                <script>
                fetch(%s).then(r => r.json()).then(samples => {
                  if (samples.length < 2) { document.getElementById('rates').textContent =
                      'Charts appear after the first samples (every 10 s).'; return; }
                  const t = [], sent = [], received = [], deleted = [], visible = [], inFlight = [];
                  for (let i = 1; i < samples.length; i++) {
                    const a = samples[i - 1], b = samples[i], dt = Math.max(1, b.t - a.t);
                    t.push(b.t); sent.push((b.sent - a.sent) / dt); received.push((b.received - a.received) / dt);
                    deleted.push((b.deleted - a.deleted) / dt); visible.push(b.visible); inFlight.push(b.inFlight);
                  }
                  const width = Math.min(1100, document.querySelector('main').clientWidth - 40);
                  const end = t[t.length - 1], scales = {x: {time: true, range: () => [end - 3600, end]}};
                  new uPlot({title: 'Messages per second', width, height: 220, scales, series: [{},
                    {label: 'sent', stroke: '#2b6cb0'}, {label: 'received', stroke: '#2f855a'},
                    {label: 'deleted', stroke: '#b7791f'}]}, [t, sent, received, deleted],
                    document.getElementById('rates'));
                  new uPlot({title: 'Depth', width, height: 220, scales, series: [{},
                    {label: 'visible', stroke: '#2b6cb0'}, {label: 'in flight', stroke: '#c05621'}]},
                    [t, visible, inFlight], document.getElementById('depth'));
                });
                </script>
                """.formatted(jsString(historyUrl));
    }

    private static String jsString(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("<", "\\x3c") + "'";
    }
}
