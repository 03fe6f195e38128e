package dev.postbox.core;

import dev.postbox.core.store.QueueKey;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Queue URLs and ARNs. A URL names a queue's region, account and name; how a URL shows the region is the server's
 * {@link Style}. Read back, every style is understood whatever the server's: the region comes from a host starting
 * {@code sqs.<region>.} or a path {@code /queue/<region>/<account>/<name>}; a URL that shows none is in the request's
 * region, and one without an account (a bare name, {@code /queue/<name>}) is the caller's account's.
 */
public final class QueueUrls {
    private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
    /** An IPv4 address or a bracketed IPv6 one, with or without a port. */
    private static final Pattern IP_LITERAL = Pattern.compile("(\\d{1,3}(\\.\\d{1,3}){3}|\\[[^]]*])(:\\d+)?");
    /** AWS's region names: us-east-1, eu-central-2, us-gov-west-1, cn-north-1, ap-southeast-4, il-central-1. */
    private static final Pattern AWS_REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d{1,2}");
    /** What a region may be called here: AWS's names, and those local setups sign with ("elasticmq", "local"). */
    private static final Pattern REGION = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

    /** How queue URLs show the region (config {@code sqs.queue-url-style}). */
    public enum Style {
        /** {@code http://<host>:<port>/queue/<region>/<account>/<name>}: one host for every region (LocalStack's "path"). */
        PATH,
        /**
         * {@code http://sqs.<region>.<host>:<port>/<account>/<name>}, as AWS's URLs look; clients that send requests
         * to the queue URL (AWS SDK for Java v1, Ruby, .NET) must resolve that name to the server. A caller that
         * reached the server by IP address gets {@link #PATH} URLs: an address has no subdomains.
         */
        HOST,
        /**
         * {@code http://<host>:<port>/<account>/<name>}, as ElasticMQ's and Postbox's before regions: the URL does
         * not show the region, a request's region decides (two regions' queues of one name share a URL).
         */
        PLAIN;

        /** The style a config value names ({@code path}, {@code host}, {@code plain}), or null. */
        public static Style named(String value) {
            for (Style style : values()) {
                if (style.name().toLowerCase(Locale.ROOT).equals(value)) {
                    return style;
                }
            }
            return null;
        }
    }

    private final Style style;

    public QueueUrls(Style style) {
        this.style = style;
    }

    /** Whether the text can name a region (us-east-1, or a local name such as elasticmq). */
    public static boolean isRegion(String text) {
        return text != null && REGION.matcher(text).matches();
    }

    /** The queue's URL for a caller that reached the server at {@code baseUrl} ({@code scheme://host[:port]}). */
    public String url(String baseUrl, QueueKey key) {
        return switch (style) {
            case PATH -> pathUrl(baseUrl, key);
            case HOST -> {
                int hostStart = baseUrl.indexOf("://") + 3;
                String host = baseUrl.substring(hostStart);
                if (IP_LITERAL.matcher(host).matches()) {
                    yield pathUrl(baseUrl, key);
                }
                String regional = regionOfHost(host) != null ? host.substring(host.indexOf('.', 4) + 1) : host;
                yield baseUrl.substring(0, hostStart) + "sqs." + key.region() + "." + regional + "/"
                        + key.accountId() + "/" + key.name();
            }
            case PLAIN -> baseUrl + "/" + key.accountId() + "/" + key.name();
        };
    }

    private static String pathUrl(String baseUrl, QueueKey key) {
        return baseUrl + "/queue/" + key.region() + "/" + key.accountId() + "/" + key.name();
    }

    public static String arn(QueueKey key) {
        return "arn:aws:sqs:" + key.region() + ":" + key.accountId() + ":" + key.name();
    }

    /** The queue an ARN names, or null when the text is not an SQS queue ARN. */
    public static QueueKey parseArn(String arn) {
        if (arn == null) {
            return null;
        }
        String[] parts = arn.split(":", -1);
        if (parts.length != 6 || !parts[0].equals("arn") || !parts[2].equals("sqs") || !isRegion(parts[3])
                || !ACCOUNT.matcher(parts[4]).matches() || parts[5].isEmpty()) {
            return null;
        }
        return new QueueKey(parts[3], parts[4], parts[5]);
    }

    /**
     * The queue a URL (or path, or bare name) names; the request's region and the caller's account apply where the
     * URL shows none. An empty name is {@code QueueDoesNotExist}.
     */
    public static QueueKey parse(String queueUrl, String requestRegion, String defaultAccount) {
        String path = queueUrl;
        String region = requestRegion;
        int scheme = path.indexOf("://");
        if (scheme >= 0) {
            int slash = path.indexOf('/', scheme + 3);
            String hostRegion = regionOfHost(slash < 0 ? path.substring(scheme + 3) : path.substring(scheme + 3, slash));
            if (hostRegion != null) {
                region = hostRegion;
            }
            path = slash < 0 ? "" : path.substring(slash);
        }
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        String[] segments = path.split("/", -1);
        String name = segments[segments.length - 1];
        String account = defaultAccount;
        if (segments.length >= 2 && ACCOUNT.matcher(segments[segments.length - 2]).matches()) {
            account = segments[segments.length - 2];
            String before = segments.length >= 3 ? segments[segments.length - 3] : "";
            boolean afterQueue = segments.length >= 4 && segments[segments.length - 4].equals("queue");
            if (afterQueue ? isRegion(before) : AWS_REGION.matcher(before).matches()) {
                region = before;
            }
        }
        if (name.isEmpty()) {
            throw SqsException.queueDoesNotExist();
        }
        return new QueueKey(region, account, name);
    }

    /** The region of a host named {@code sqs.<region>.<rest>} (with or without a port), else null. */
    private static String regionOfHost(String host) {
        if (!host.startsWith("sqs.")) {
            return null;
        }
        int dot = host.indexOf('.', 4);
        String region = dot < 0 ? null : host.substring(4, dot);
        return region != null && AWS_REGION.matcher(region).matches() ? region : null;
    }
}
