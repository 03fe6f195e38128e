package dev.postbox.server.console;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Console sign-ins when authentication is on: a random token (its cookie) names the identity that signed in, for 8
 * hours. Kept in this node's memory: a restart, or another node, asks to sign in again.
 */
final class Sessions {
    static final String COOKIE = "postbox_console";
    static final Duration LIFETIME = Duration.ofHours(8);

    /** Who signed in. */
    record Session(String accountId, String principalId, Instant expiresAt) {
    }

    private final SecureRandom random = new SecureRandom();
    private final Map<String, Session> byToken = new ConcurrentHashMap<>();
    private final InstantSource clock;

    Sessions(InstantSource clock) {
        this.clock = clock;
    }

    /** A new session's token. */
    String start(String accountId, String principalId) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        Instant now = clock.instant();
        byToken.values().removeIf(session -> session.expiresAt().isBefore(now));
        byToken.put(token, new Session(accountId, principalId, now.plus(LIFETIME)));
        return token;
    }

    /** The session a request's {@code Cookie} header names, if it is live. */
    Optional<Session> of(String cookieHeader) {
        String token = token(cookieHeader);
        Session session = token == null ? null : byToken.get(token);
        if (session == null || session.expiresAt().isBefore(clock.instant())) {
            return Optional.empty();
        }
        return Optional.of(session);
    }

    void end(String cookieHeader) {
        String token = token(cookieHeader);
        if (token != null) {
            byToken.remove(token);
        }
    }

    private static String token(String cookieHeader) {
        if (cookieHeader == null) {
            return null;
        }
        for (String cookie : cookieHeader.split(";")) {
            String trimmed = cookie.trim();
            if (trimmed.startsWith(COOKIE + "=")) {
                return trimmed.substring(COOKIE.length() + 1);
            }
        }
        return null;
    }
}
