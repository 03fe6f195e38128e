package dev.postbox.auth;

import dev.postbox.core.ErrorCode;
import dev.postbox.core.QueueUrls;
import dev.postbox.core.SqsException;
import dev.postbox.protocol.Authenticator;
import dev.postbox.protocol.HttpExchange;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AWS Signature Version 4, checked as SQS checks it: in the {@code Authorization} header or in the query string (a
 * presigned URL), for both protocols. {@link ExpectedSignature} computes the signature the request should carry;
 * what is checked here, in this order, is everything around it: the parts are all there, the credential scope names {@code sqs} and {@code aws4_request} and the day of the
 * request's date, the date is within 15 minutes of now (a presigned URL: not expired), the access key is known, the
 * session token is the identity's, a payload hash the client sent is the body's, and the signature matches (compared
 * in constant time). Each failure is the error SQS answers, with its message.
 */
public final class SigV4Authenticator implements Authenticator {
    static final String ALGORITHM = "AWS4-HMAC-SHA256";
    static final String SERVICE = "sqs";
    private static final Duration WINDOW = Duration.ofMinutes(15);
    private static final long MAX_EXPIRES_SECONDS = 604_800;
    static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final String UNKNOWN_KEY = "The security token included in the request is invalid.";
    private static final String MISMATCH = "The request signature we calculated does not match the signature you"
            + " provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for"
            + " details.";

    private final Identities identities;
    private final InstantSource clock;

    /** @param clock the wall clock the signature window is judged on */
    public SigV4Authenticator(Identities identities, InstantSource clock) {
        this.identities = identities;
        this.clock = clock;
    }

    /** What a signature says of itself, from the header or from the query string. */
    record Signed(String accessKeyId, String scopeDate, String region, String service, String terminator,
                  List<String> signedHeaders, String signature, String amzDate, Instant date,
                  Duration expires, String securityToken) {
        boolean presigned() {
            return expires != null;
        }
    }

    @Override
    public Caller authenticate(HttpExchange.Request request) {
        Map<String, List<String>> query = query(request.rawQuery());
        String authorization = request.header("authorization");
        Signed signed;
        if (authorization != null) {
            signed = fromHeader(request, authorization);
        } else if (query.containsKey("X-Amz-Algorithm") || query.containsKey("X-Amz-Signature")
                || query.containsKey("X-Amz-Credential")) {
            signed = fromQuery(query);
        } else {
            throw new SqsException(ErrorCode.MISSING_AUTHENTICATION_TOKEN,
                    "The request must contain either a valid (registered) AWS access key ID or X.509 certificate.");
        }
        checkScope(signed);
        checkTime(signed, clock.instant());
        Identity identity = identities.find(signed.accessKeyId())
                .orElseThrow(() -> new SqsException(ErrorCode.INVALID_CLIENT_TOKEN_ID, UNKNOWN_KEY));
        checkSessionToken(identity, signed.securityToken());
        if (!signed.presigned()) {
            checkPayloadHash(request);
        }
        String expected = ExpectedSignature.of(request, query, signed, identity);
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                signed.signature().getBytes(StandardCharsets.US_ASCII))) {
            throw new SqsException(ErrorCode.SIGNATURE_DOES_NOT_MATCH, MISMATCH);
        }
        return new Caller(identity.accountId(), identity.principalId(), true, signed.region());
    }

    // ---- the header form ----------------------------------------------------------------------------------------

    private static Signed fromHeader(HttpExchange.Request request, String authorization) {
        String trimmed = authorization.trim();
        int space = trimmed.indexOf(' ');
        String algorithm = space < 0 ? trimmed : trimmed.substring(0, space);
        if (!algorithm.equals(ALGORITHM)) {
            throw new SqsException(ErrorCode.INCOMPLETE_SIGNATURE, "Unsupported AWS 'algorithm': '" + algorithm
                    + "'. Supported: " + ALGORITHM + ".");
        }
        Map<String, String> parts = new LinkedHashMap<>();
        StringBuilder problems = new StringBuilder();
        for (String part : (space < 0 ? "" : trimmed.substring(space + 1)).split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int equals = p.indexOf('=');
            if (equals <= 0) {
                problems.append("Authorization header requires each component to be of the form key=value, not '")
                        .append(p).append("'. ");
                continue;
            }
            String name = p.substring(0, equals);
            if (parts.put(name, p.substring(equals + 1)) != null) {
                problems.append("Authorization header has '").append(name).append("' more than once. ");
            }
        }
        for (String required : List.of("Credential", "Signature", "SignedHeaders")) {
            if (!parts.containsKey(required) || parts.get(required).isEmpty()) {
                problems.append("Authorization header requires '").append(required).append("' parameter. ");
            }
        }
        String amzDate = request.header("x-amz-date");
        if (amzDate == null || amzDate.isEmpty()) {
            problems.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ");
        }
        if (!problems.isEmpty()) {
            throw new SqsException(ErrorCode.INCOMPLETE_SIGNATURE, problems + "Authorization=" + trimmed);
        }
        return signed(parts.get("Credential"), parts.get("SignedHeaders"), parts.get("Signature"), amzDate, null,
                request.header("x-amz-security-token"));
    }

    // ---- the query-string form (presigned URLs) -----------------------------------------------------------------

    private static Signed fromQuery(Map<String, List<String>> query) {
        StringBuilder problems = new StringBuilder();
        for (String required : List.of("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date",
                "X-Amz-SignedHeaders", "X-Amz-Expires")) {
            List<String> values = query.get(required);
            if (values == null || values.isEmpty() || values.get(0).isEmpty()) {
                problems.append("AWS query-string parameters must include '").append(required).append("'. ");
            } else if (values.size() > 1) {
                problems.append("AWS query-string parameters must include '").append(required)
                        .append("' only once. ");
            }
        }
        if (!problems.isEmpty()) {
            throw new SqsException(ErrorCode.INCOMPLETE_SIGNATURE, problems
                    + "Re-examine the query-string parameters.");
        }
        String algorithm = query.get("X-Amz-Algorithm").get(0);
        if (!algorithm.equals(ALGORITHM)) {
            throw new SqsException(ErrorCode.INCOMPLETE_SIGNATURE, "Unsupported AWS 'algorithm': '" + algorithm
                    + "'. Supported: " + ALGORITHM + ".");
        }
        String expiresText = query.get("X-Amz-Expires").get(0);
        long expires;
        try {
            expires = Long.parseLong(expiresText);
        } catch (NumberFormatException e) {
            expires = -1;
        }
        if (expires < 1 || expires > MAX_EXPIRES_SECONDS) {
            throw new SqsException(ErrorCode.INCOMPLETE_SIGNATURE, "X-Amz-Expires must be an integer from 1 to "
                    + MAX_EXPIRES_SECONDS + " (seconds), not '" + expiresText + "'.");
        }
        List<String> token = query.get("X-Amz-Security-Token");
        return signed(query.get("X-Amz-Credential").get(0), query.get("X-Amz-SignedHeaders").get(0),
                query.get("X-Amz-Signature").get(0), query.get("X-Amz-Date").get(0), Duration.ofSeconds(expires),
                token == null ? null : token.get(0));
    }

    private static Signed signed(String credential, String signedHeaders, String signature, String amzDate,
                                 Duration expires, String securityToken) {
        String[] scope = credential.split("/", -1);
        if (scope.length != 5 || scope[0].isEmpty()) {
            throw new SqsException(ErrorCode.INCOMPLETE_SIGNATURE, "Credential must have exactly 5 slash-delimited"
                    + " elements, e.g. keyid/date/region/service/term, got '" + credential + "'");
        }
        Instant date;
        try {
            date = AMZ_DATE.parse(amzDate, Instant::from);
        } catch (DateTimeParseException e) {
            throw new SqsException(ErrorCode.INCOMPLETE_SIGNATURE, "Date must be in ISO-8601 'basic format'. Got '"
                    + amzDate + "'. See http://en.wikipedia.org/wiki/ISO_8601");
        }
        List<String> headers = List.of(signedHeaders.split(";", -1));
        if (!headers.contains("host")) {
            throw new SqsException(ErrorCode.INCOMPLETE_SIGNATURE,
                    "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
        }
        return new Signed(scope[0], scope[1], scope[2], scope[3], scope[4], headers, signature, amzDate, date,
                expires, securityToken);
    }

    // ---- the checks ---------------------------------------------------------------------------------------------

    private static void checkScope(Signed signed) {
        if (!signed.service().equals(SERVICE)) {
            throw new SqsException(ErrorCode.SIGNATURE_DOES_NOT_MATCH,
                    "Credential should be scoped to correct service: '" + SERVICE + "'. ");
        }
        if (!signed.terminator().equals("aws4_request")) {
            throw new SqsException(ErrorCode.SIGNATURE_DOES_NOT_MATCH, "Credential should be scoped with a valid"
                    + " terminator: 'aws4_request', not '" + signed.terminator() + "'. ");
        }
        if (signed.region().isEmpty()) {
            throw new SqsException(ErrorCode.SIGNATURE_DOES_NOT_MATCH,
                    "Credential should be scoped to a valid region. ");
        }
        if (!QueueUrls.isRegion(signed.region())) {
            throw new SqsException(ErrorCode.SIGNATURE_DOES_NOT_MATCH,
                    "Credential should be scoped to a valid region, not '" + signed.region() + "'. ");
        }
        String day = signed.amzDate().substring(0, 8);
        if (!signed.scopeDate().equals(day)) {
            throw new SqsException(ErrorCode.SIGNATURE_DOES_NOT_MATCH, "Date in Credential scope does not match"
                    + " YYYYMMDD from ISO-8601 version of date from HTTP: '" + signed.scopeDate() + "' != '" + day
                    + "', from '" + signed.amzDate() + "'.");
        }
    }

    /** Within 15 minutes of now either way; a presigned URL from its date until its expiry. */
    static void checkTime(Signed signed, Instant now) {
        Instant earliest = now.minus(WINDOW);
        Instant latest = now.plus(WINDOW);
        if (signed.date().isAfter(latest)) {
            throw new SqsException(ErrorCode.SIGNATURE_DOES_NOT_MATCH, "Signature not yet current: "
                    + signed.amzDate() + " is still later than " + AMZ_DATE.format(latest) + " ("
                    + AMZ_DATE.format(now) + " + 15 min.)");
        }
        if (signed.presigned()) {
            Instant expiry = signed.date().plus(signed.expires());
            if (now.isAfter(expiry)) {
                throw new SqsException(ErrorCode.SIGNATURE_DOES_NOT_MATCH, "Signature expired: "
                        + AMZ_DATE.format(expiry) + " is now earlier than " + AMZ_DATE.format(now) + " ("
                        + signed.amzDate() + " + " + signed.expires().toSeconds() + " sec.)");
            }
        } else if (signed.date().isBefore(earliest)) {
            throw new SqsException(ErrorCode.SIGNATURE_DOES_NOT_MATCH, "Signature expired: " + signed.amzDate()
                    + " is now earlier than " + AMZ_DATE.format(earliest) + " (" + AMZ_DATE.format(now)
                    + " - 15 min.)");
        }
    }

    private static void checkSessionToken(Identity identity, String sent) {
        String expected = identity.sessionToken();
        boolean matches = expected == null ? sent == null : sent != null && MessageDigest.isEqual(
                expected.getBytes(StandardCharsets.UTF_8), sent.getBytes(StandardCharsets.UTF_8));
        if (!matches) {
            throw new SqsException(ErrorCode.INVALID_CLIENT_TOKEN_ID, UNKNOWN_KEY);
        }
    }

    /** A payload hash the client sent must be the body's: the signature covers the hash, not the body itself. */
    private static void checkPayloadHash(HttpExchange.Request request) {
        String sent = request.header("x-amz-content-sha256");
        if (sent != null && !sent.equalsIgnoreCase(sha256Hex(request.body()))) {
            throw new SqsException(ErrorCode.SIGNATURE_DOES_NOT_MATCH,
                    "The provided 'x-amz-content-sha256' header does not match what was computed.");
        }
    }

    static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The query string's parameters, decoded, each name with its values in order. */
    static Map<String, List<String>> query(String rawQuery) {
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return parameters;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = decode(equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
            parameters.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return parameters;
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new SqsException(ErrorCode.SIGNATURE_DOES_NOT_MATCH, "The query string is not well encoded: "
                    + text);
        }
    }
}
