package dev.postbox.auth;

import dev.postbox.protocol.HttpExchange;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signature a request should carry (AWS Signature Version 4, as the AWS SDKs and botocore sign for services
 * other than S3), computed over the request as it arrived: its method; its raw path, encoded once more; its query
 * parameters sorted, each name and value encoded (the signature itself left out); the headers the client says it
 * signed, in its order, values trimmed and inner runs of spaces folded; the SHA-256 of its body. Then the string to
 * sign and the HMAC chain of the secret over day, region, service and {@code aws4_request}.
 *
 * <p>Ours, not a library's: the one SigV4 signer in Java that is kept up, the AWS SDK v2's, is a client's and always
 * adds and signs {@code x-amz-content-sha256}, which SDK v1 and botocore do not send, so it cannot recompute their
 * signatures. The tests check this class against three independent signers: SDK v1's, SDK v2's and botocore's.
 */
final class ExpectedSignature {
    private static final Set<String> PRESIGN_SIGNATURE = Set.of("X-Amz-Signature");
    private static final HexFormat HEX = HexFormat.of();
    /**
     * Signing keys by identity (its secret included) and credential scope: a key holds for a day, region and service,
     * so four of a request's five HMACs are done once per identity and day (as the AWS SDKs cache it). Bounded: past
     * {@link #MAX_SIGNING_KEYS} scopes the cache starts afresh.
     */
    private static final java.util.concurrent.ConcurrentHashMap<SigningScope, byte[]> SIGNING_KEYS =
            new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_SIGNING_KEYS = 10_000;

    private record SigningScope(Identity identity, String scope) {
    }

    private ExpectedSignature() {
    }

    static String of(HttpExchange.Request request, Map<String, List<String>> query,
                     SigV4Authenticator.Signed signed, Identity identity) {
        String scope = signed.scopeDate() + "/" + signed.region() + "/" + signed.service() + "/" + signed.terminator();
        String stringToSign = SigV4Authenticator.ALGORITHM + "\n" + signed.amzDate() + "\n" + scope + "\n"
                + SigV4Authenticator.sha256Hex(canonicalRequest(request, query, signed)
                .getBytes(StandardCharsets.UTF_8));
        return HEX.formatHex(hmac(signingKey(identity, signed, scope), stringToSign));
    }

    private static byte[] signingKey(Identity identity, SigV4Authenticator.Signed signed, String scope) {
        SigningScope cached = new SigningScope(identity, scope);
        byte[] key = SIGNING_KEYS.get(cached);
        if (key == null) {
            key = hmac(("AWS4" + identity.secretAccessKey()).getBytes(StandardCharsets.UTF_8), signed.scopeDate());
            key = hmac(key, signed.region());
            key = hmac(key, signed.service());
            key = hmac(key, signed.terminator());
            if (SIGNING_KEYS.size() >= MAX_SIGNING_KEYS) {
                SIGNING_KEYS.clear();
            }
            SIGNING_KEYS.put(cached, key);
        }
        return key;
    }

    static String canonicalRequest(HttpExchange.Request request, Map<String, List<String>> query,
                                   SigV4Authenticator.Signed signed) {
        StringBuilder canonical = new StringBuilder(256);
        canonical.append(request.method()).append('\n');
        String path = request.path() == null || request.path().isEmpty() ? "/" : request.path();
        canonical.append(encode(path, true)).append('\n');
        canonical.append(canonicalQuery(query)).append('\n');
        for (String name : signed.signedHeaders()) {
            String value = request.header(name);
            canonical.append(name).append(':').append(value == null ? "" : fold(value)).append('\n');
        }
        canonical.append('\n').append(String.join(";", signed.signedHeaders())).append('\n');
        canonical.append(SigV4Authenticator.sha256Hex(request.body()));
        return canonical.toString();
    }

    /** Each parameter (but the signature) as encoded name=value, sorted by name and then value. */
    private static String canonicalQuery(Map<String, List<String>> query) {
        List<String[]> pairs = new ArrayList<>();
        query.forEach((name, values) -> {
            if (!PRESIGN_SIGNATURE.contains(name)) {
                for (String value : values) {
                    pairs.add(new String[]{encode(name, false), encode(value, false)});
                }
            }
        });
        pairs.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
        StringBuilder canonical = new StringBuilder();
        for (String[] pair : pairs) {
            if (!canonical.isEmpty()) {
                canonical.append('&');
            }
            canonical.append(pair[0]).append('=').append(pair[1]);
        }
        return canonical.toString();
    }

    /** RFC 3986 percent-encoding of the UTF-8 bytes: all but the unreserved characters (and '/' in a path). */
    static String encode(String text, boolean path) {
        StringBuilder encoded = new StringBuilder(text.length() + 16);
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || c == '.' || c == '~' || (path && c == '/')) {
                encoded.append(c);
            } else {
                encoded.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return encoded.toString();
    }

    /** A header value trimmed, each inner run of spaces as one. */
    private static String fold(String value) {
        String trimmed = value.trim();
        if (!trimmed.contains("  ")) {
            return trimmed;
        }
        StringBuilder folded = new StringBuilder(trimmed.length());
        for (int i = 0; i < trimmed.length(); i++) {
            char c = trimmed.charAt(i);
            if (c != ' ' || folded.charAt(folded.length() - 1) != ' ') {
                folded.append(c);
            }
        }
        return folded.toString();
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
