package dev.postbox.core;

import dev.postbox.core.store.QueueKey;

import java.util.regex.Pattern;

/**
 * Queue URLs: {@code <baseUrl>/<account>/<name>} out; in, anything whose last path segment is the name, with the
 * account in the segment before when that is 12 digits ({@code /queue/<name>}, {@code /queue/<region>/<acct>/<name>}
 * and a bare name are accepted too).
 */
public final class QueueUrls {
    private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");

    private QueueUrls() {
    }

    public static String url(String baseUrl, QueueKey key) {
        return baseUrl + "/" + key.accountId() + "/" + key.name();
    }

    public static String arn(String region, QueueKey key) {
        return "arn:aws:sqs:" + region + ":" + key.accountId() + ":" + key.name();
    }

    /** The queue an ARN names, or null when the text is not an SQS queue ARN of this region. */
    public static QueueKey parseArn(String arn, String region) {
        if (arn == null) {
            return null;
        }
        String[] parts = arn.split(":", -1);
        if (parts.length != 6 || !parts[0].equals("arn") || !parts[2].equals("sqs") || !parts[3].equals(region)
                || !ACCOUNT.matcher(parts[4]).matches() || parts[5].isEmpty()) {
            return null;
        }
        return new QueueKey(parts[4], parts[5]);
    }

    /** Parses the queue named by a URL (or path or bare name); the default account applies when none is given. */
    public static QueueKey parse(String queueUrl, String defaultAccount) {
        String path = queueUrl;
        int scheme = path.indexOf("://");
        if (scheme >= 0) {
            int slash = path.indexOf('/', scheme + 3);
            path = slash < 0 ? "" : path.substring(slash);
        }
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        int last = path.lastIndexOf('/');
        String name = path.substring(last + 1);
        String account = defaultAccount;
        if (last > 0) {
            String before = path.substring(path.lastIndexOf('/', last - 1) + 1, last);
            if (ACCOUNT.matcher(before).matches()) {
                account = before;
            }
        }
        if (name.isEmpty()) {
            throw SqsException.queueDoesNotExist();
        }
        return new QueueKey(account, name);
    }
}
