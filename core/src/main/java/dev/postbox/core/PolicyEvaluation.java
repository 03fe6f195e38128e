package dev.postbox.core;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A queue's {@code Policy} evaluated as AWS evaluates resource-based policies: an explicit {@code Deny} whose
 * statement matches wins; otherwise a matching {@code Allow} allows; otherwise the policy does not apply. A statement
 * matches when its principal, action, resource and every condition match the request.
 *
 * <ul>
 *   <li>{@code Principal}: {@code "*"}, {@code {"AWS": …}} with {@code "*"}, an account id,
 *       {@code arn:aws:iam::<account>:root} (any principal of that account) or a principal's ARN;
 *       {@code NotPrincipal} inverts. Service principals never match a signed caller.</li>
 *   <li>{@code Action}/{@code NotAction}: {@code sqs:SendMessage}, {@code sqs:*}, {@code *}, with {@code *} and
 *       {@code ?} wildcards, ignoring case.</li>
 *   <li>{@code Resource}/{@code NotResource}: the queue ARN, with wildcards.</li>
 *   <li>{@code Condition}: {@code String(Not)Equals(IgnoreCase)}, {@code String(Not)Like}, {@code Arn(Not)Equals},
 *       {@code Arn(Not)Like}, {@code Bool}, {@code (Not)IpAddress}, {@code Date(Not)Equals},
 *       {@code DateLessThan(Equals)}, {@code DateGreaterThan(Equals)}, {@code Numeric…}, each also with
 *       {@code IfExists}. Several keys in one operator must all match; several values for a key: any one (a
 *       negated operator: none). A key the request lacks fails the condition, except under a negated operator or
 *       {@code …IfExists}, as in IAM.</li>
 * </ul>
 */
public final class PolicyEvaluation {
    /**
     * Parsed policies by their text: a queue's policy is read on every request to it, and changes rarely. The trees
     * are only ever read, so threads share them. Bounded: past {@link #MAX_PARSED} texts the cache starts afresh.
     */
    private static final java.util.concurrent.ConcurrentHashMap<String, JsonNode> PARSED =
            new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_PARSED = 1000;
    private static final java.util.regex.Pattern IP_LITERAL = java.util.regex.Pattern.compile("[0-9a-fA-F:.]+(/\\d{1,3})?");

    private PolicyEvaluation() {
    }

    public enum Decision { ALLOW, DENY, NOT_APPLICABLE }

    /**
     * What is asked.
     *
     * @param account      the caller's account
     * @param principalArn the caller's ARN
     * @param action       e.g. {@code sqs:SendMessage}
     * @param resource     the queue ARN
     * @param context      condition keys the request has ({@code aws:SecureTransport} "true"/"false",
     *                     {@code aws:SourceIp}, {@code aws:CurrentTime} ISO-8601, {@code aws:SourceAccount}, …),
     *                     by lower-case name
     */
    public record Request(String account, String principalArn, String action, String resource,
                          Map<String, String> context) {
    }

    /** The decision of a stored (valid) policy for a request; a policy that does not parse applies to nothing. */
    public static Decision evaluate(String policy, Request request) {
        if (policy == null || policy.isEmpty()) {
            return Decision.NOT_APPLICABLE;
        }
        JsonNode document = PARSED.get(policy);
        if (document == null) {
            try {
                document = RedrivePolicies.JSON.readTree(policy);
            } catch (java.io.IOException e) {
                return Decision.NOT_APPLICABLE;
            }
            if (document == null) {
                return Decision.NOT_APPLICABLE;
            }
            if (PARSED.size() >= MAX_PARSED) {
                PARSED.clear();
            }
            PARSED.put(policy, document);
        }
        boolean allowed = false;
        for (JsonNode statement : list(document.get("Statement"))) {
            if (!matches(statement, request)) {
                continue;
            }
            String effect = statement.path("Effect").asText();
            if (effect.equals("Deny")) {
                return Decision.DENY;
            }
            allowed |= effect.equals("Allow");
        }
        return allowed ? Decision.ALLOW : Decision.NOT_APPLICABLE;
    }

    private static boolean matches(JsonNode statement, Request request) {
        return principal(statement, request)
                && either(statement, "Action", "NotAction", pattern -> like(pattern, request.action(), true))
                && either(statement, "Resource", "NotResource", pattern -> like(pattern, request.resource(), false))
                && conditions(statement.get("Condition"), request.context());
    }

    private interface Matcher {
        boolean test(String pattern);
    }

    /** The element (or its Not… form, inverted) matches; a statement without either matches. */
    private static boolean either(JsonNode statement, String element, String notElement, Matcher matcher) {
        if (statement.has(element)) {
            return any(statement.get(element), matcher);
        }
        if (statement.has(notElement)) {
            return !any(statement.get(notElement), matcher);
        }
        return true;
    }

    private static boolean any(JsonNode values, Matcher matcher) {
        for (JsonNode value : list(values)) {
            if (matcher.test(value.asText())) {
                return true;
            }
        }
        return false;
    }

    private static boolean principal(JsonNode statement, Request request) {
        if (statement.has("Principal")) {
            return principalMatches(statement.get("Principal"), request);
        }
        if (statement.has("NotPrincipal")) {
            return !principalMatches(statement.get("NotPrincipal"), request);
        }
        return false; // a resource policy's statement names whom it is about
    }

    private static boolean principalMatches(JsonNode principal, Request request) {
        if (principal.isTextual()) {
            return principal.asText().equals("*");
        }
        return any(principal.path("AWS"), value -> value.equals("*") || value.equals(request.account())
                || value.equals("arn:aws:iam::" + request.account() + ":root")
                || value.equals(request.principalArn()));
    }

    private static boolean conditions(JsonNode conditions, Map<String, String> context) {
        if (conditions == null || !conditions.isObject()) {
            return true;
        }
        var operators = conditions.fields();
        while (operators.hasNext()) {
            var operator = operators.next();
            String name = operator.getKey();
            boolean ifExists = name.endsWith("IfExists");
            String op = ifExists ? name.substring(0, name.length() - "IfExists".length()) : name;
            var keys = operator.getValue().fields();
            while (keys.hasNext()) {
                var key = keys.next();
                String actual = context.get(key.getKey().toLowerCase(Locale.ROOT));
                List<String> expected = new ArrayList<>();
                list(key.getValue()).forEach(v -> expected.add(v.asText()));
                if (!condition(op, actual, expected, ifExists)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean condition(String operator, String actual, List<String> expected, boolean ifExists) {
        boolean negated = operator.contains("Not");
        if (actual == null) {
            return ifExists || negated;
        }
        boolean anyMatches = false;
        for (String value : expected) {
            if (positive(operator.replace("Not", ""), actual, value)) {
                anyMatches = true;
                break;
            }
        }
        return negated != anyMatches;
    }

    /** The operator without its "Not": does the request's value match this one of the policy's? */
    private static boolean positive(String operator, String actual, String expected) {
        return switch (operator) {
            case "StringEquals", "ArnEquals" -> actual.equals(expected);
            case "StringEqualsIgnoreCase" -> actual.equalsIgnoreCase(expected);
            case "StringLike", "ArnLike" -> like(expected, actual, false);
            case "Bool" -> actual.equalsIgnoreCase(expected);
            case "IpAddress" -> inCidr(actual, expected);
            case "DateEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
                 "NumericEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan",
                 "NumericGreaterThanEquals" -> ordered(operator, actual, expected);
            default -> false; // an operator not known here matches nothing
        };
    }

    /** A Date… or Numeric… comparison; a value that does not parse matches nothing. */
    private static boolean ordered(String operator, String actual, String expected) {
        int order;
        try {
            order = operator.startsWith("Date") ? Instant.parse(actual).compareTo(Instant.parse(expected))
                    : new java.math.BigDecimal(actual).compareTo(new java.math.BigDecimal(expected));
        } catch (DateTimeParseException | NumberFormatException e) {
            return false;
        }
        String comparison = operator.substring(operator.startsWith("Date") ? 4 : 7);
        return switch (comparison) {
            case "Equals" -> order == 0;
            case "LessThan" -> order < 0;
            case "LessThanEquals" -> order <= 0;
            case "GreaterThan" -> order > 0;
            default -> order >= 0;
        };
    }

    /** IAM's wildcards: {@code *} any run of characters, {@code ?} any one. */
    static boolean like(String pattern, String text, boolean ignoreCase) {
        String p = ignoreCase ? pattern.toLowerCase(Locale.ROOT) : pattern;
        String t = ignoreCase ? text.toLowerCase(Locale.ROOT) : text;
        int pi = 0;
        int ti = 0;
        int star = -1;
        int mark = 0;
        while (ti < t.length()) {
            if (pi < p.length() && (p.charAt(pi) == '?' || p.charAt(pi) == t.charAt(ti))) {
                pi++;
                ti++;
            } else if (pi < p.length() && p.charAt(pi) == '*') {
                star = pi++;
                mark = ti;
            } else if (star >= 0) {
                pi = star + 1;
                ti = ++mark;
            } else {
                return false;
            }
        }
        while (pi < p.length() && p.charAt(pi) == '*') {
            pi++;
        }
        return pi == p.length();
    }

    /** Whether an address is within a CIDR block (or equals a bare address), IPv4 or IPv6; literals only. */
    static boolean inCidr(String address, String cidr) {
        if (!IP_LITERAL.matcher(address).matches() || !IP_LITERAL.matcher(cidr).matches()) {
            return false; // never a name lookup
        }
        try {
            int slash = cidr.indexOf('/');
            byte[] network = InetAddress.getByName(slash < 0 ? cidr : cidr.substring(0, slash)).getAddress();
            byte[] candidate = InetAddress.getByName(address).getAddress();
            if (network.length != candidate.length) {
                return false;
            }
            int bits = slash < 0 ? network.length * 8 : Integer.parseInt(cidr.substring(slash + 1));
            for (int i = 0; i < network.length && bits > 0; i++, bits -= 8) {
                int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
                if ((network[i] & mask) != (candidate[i] & mask)) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException | NumberFormatException e) {
            return false;
        }
    }

    private static Iterable<JsonNode> list(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return List.of();
        }
        return node.isArray() ? node : List.of(node);
    }
}
