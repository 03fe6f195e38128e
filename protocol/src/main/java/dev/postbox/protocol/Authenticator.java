package dev.postbox.protocol;

import dev.postbox.core.ErrorCode;
import dev.postbox.core.QueueUrls;
import dev.postbox.core.SqsException;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who sent a request. The dispatcher asks before it decodes anything: a request that is not let in gets its
 * {@link SqsException} (an authentication {@link ErrorCode}) as its answer, in its protocol.
 */
@FunctionalInterface
public interface Authenticator {
    /**
     * The caller of a request, or an {@link SqsException} saying why it is not let in. Runs on the event loop: it
     * must not block.
     */
    Caller authenticate(HttpExchange.Request request);

    /**
     * @param accountId     the account the caller belongs to
     * @param principalId   who the caller is within it: the {@code SenderId} of the messages it sends
     * @param authenticated whether the caller proved it (then other accounts' queues are not its to touch)
     * @param region        the region the request is for (its signature's credential scope), or null to use the
     *                      server's ({@code sqs.region})
     */
    record Caller(String accountId, String principalId, boolean authenticated, String region) {
    }

    /**
     * No authentication (the server's default, for local development): every request is let in as the server's
     * account, its sender being the access key id a signature names, if any (SDKs always sign), and its region the
     * one the signature is scoped to, if that can name a region (SDKs sign for the region they are configured with).
     */
    static Authenticator none(String accountId) {
        Pattern credential = Pattern.compile("Credential=([^/,\\s]+)/[^/,\\s]*/([^/,\\s]*)/");
        return request -> {
            String authorization = request.header("authorization");
            if (authorization != null) {
                Matcher named = credential.matcher(authorization);
                if (named.find()) {
                    String region = named.group(2);
                    return new Caller(accountId, named.group(1), false, QueueUrls.isRegion(region) ? region : null);
                }
            }
            return new Caller(accountId, accountId, false, null);
        };
    }
}
