package dev.postbox.core;

import dev.postbox.core.PolicyEvaluation.Decision;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Queue policies against IAM's documented evaluation logic for resource-based policies, one row per rule: explicit
 * deny wins, an allow must match principal, action, resource and every condition, no matching statement does not
 * apply; principals, action and resource wildcards, the Not… forms, each condition operator, IfExists and missing
 * keys.
 */
class PolicyEvaluationTest {
    private static final String QUEUE = "arn:aws:sqs:us-east-1:111122223333:orders";
    private static final PolicyEvaluation.Request SEND = new PolicyEvaluation.Request("444455556666",
            "arn:aws:iam::444455556666:user/AIDAPARTNER", "sqs:SendMessage", QUEUE,
            Map.of("aws:securetransport", "true", "aws:sourceip", "203.0.113.7",
                    "aws:currenttime", "2026-12-03T12:00:00Z", "aws:sourceaccount", "444455556666",
                    "aws:sourcearn", "arn:aws:sns:us-east-1:444455556666:topic"));

    private static String policy(String... statements) {
        return "{\"Version\":\"2012-10-17\",\"Statement\":[" + String.join(",", statements) + "]}";
    }

    private static String allow(String principal, String action, String resource, String condition) {
        return statement("Allow", principal, action, resource, condition);
    }

    private static String statement(String effect, String principal, String action, String resource,
                                     String condition) {
        return "{\"Effect\":\"" + effect + "\"," + principal + ",\"Action\":" + action + ",\"Resource\":" + resource
                + (condition == null ? "" : ",\"Condition\":" + condition) + "}";
    }

    private static final String PARTNER = "\"Principal\":{\"AWS\":\"444455556666\"}";
    private static final String SEND_ACTION = "\"sqs:SendMessage\"";
    private static final String THE_QUEUE = "\"" + QUEUE + "\"";

    static Stream<Arguments> rows() {
        return Stream.of(
                Arguments.of("no policy", null, Decision.NOT_APPLICABLE),
                Arguments.of("an allow for the account", policy(allow(PARTNER, SEND_ACTION, THE_QUEUE, null)),
                        Decision.ALLOW),
                Arguments.of("an allow for the account's root", policy(allow(
                        "\"Principal\":{\"AWS\":\"arn:aws:iam::444455556666:root\"}", SEND_ACTION, THE_QUEUE,
                        null)), Decision.ALLOW),
                Arguments.of("an allow for the principal's ARN", policy(allow(
                        "\"Principal\":{\"AWS\":[\"arn:aws:iam::444455556666:user/AIDAPARTNER\"]}", SEND_ACTION,
                        THE_QUEUE, null)), Decision.ALLOW),
                Arguments.of("an allow for everyone", policy(allow("\"Principal\":\"*\"", SEND_ACTION, THE_QUEUE,
                        null)), Decision.ALLOW),
                Arguments.of("an allow for another account", policy(allow("\"Principal\":{\"AWS\":\"777788889999\"}",
                        SEND_ACTION, THE_QUEUE, null)), Decision.NOT_APPLICABLE),
                Arguments.of("a service principal", policy(allow("\"Principal\":{\"Service\":\"sns.amazonaws.com\"}",
                        SEND_ACTION, THE_QUEUE, null)), Decision.NOT_APPLICABLE),
                Arguments.of("NotPrincipal excluding another account", policy(allow(
                        "\"NotPrincipal\":{\"AWS\":\"777788889999\"}", SEND_ACTION, THE_QUEUE, null)),
                        Decision.ALLOW),
                Arguments.of("another action", policy(allow(PARTNER, "\"sqs:ReceiveMessage\"", THE_QUEUE, null)),
                        Decision.NOT_APPLICABLE),
                Arguments.of("sqs:* in any case", policy(allow(PARTNER, "[\"SQS:*\"]", THE_QUEUE, null)),
                        Decision.ALLOW),
                Arguments.of("an action wildcard", policy(allow(PARTNER, "\"sqs:Send?essage*\"", THE_QUEUE, null)),
                        Decision.ALLOW),
                Arguments.of("NotAction excluding the action", "{\"Statement\":{\"Effect\":\"Allow\"," + PARTNER
                        + ",\"NotAction\":\"sqs:SendMessage\",\"Resource\":\"*\"}}", Decision.NOT_APPLICABLE),
                Arguments.of("another queue", policy(allow(PARTNER, SEND_ACTION,
                        "\"arn:aws:sqs:us-east-1:111122223333:other\"", null)), Decision.NOT_APPLICABLE),
                Arguments.of("a resource wildcard", policy(allow(PARTNER, SEND_ACTION,
                        "\"arn:aws:sqs:*:111122223333:ord*\"", null)), Decision.ALLOW),
                Arguments.of("an explicit deny wins over an allow", policy(
                        allow("\"Principal\":\"*\"", "\"sqs:*\"", "\"*\"", null),
                        statement("Deny", PARTNER, SEND_ACTION, THE_QUEUE, null)), Decision.DENY),
                Arguments.of("a deny that does not match leaves the allow", policy(
                        allow(PARTNER, SEND_ACTION, THE_QUEUE, null),
                        statement("Deny", PARTNER, "\"sqs:PurgeQueue\"", THE_QUEUE, null)), Decision.ALLOW),
                Arguments.of("ArnEquals aws:SourceArn holds", policy(allow(PARTNER, SEND_ACTION, THE_QUEUE,
                        "{\"ArnEquals\":{\"aws:SourceArn\":\"arn:aws:sns:us-east-1:444455556666:topic\"}}")),
                        Decision.ALLOW),
                Arguments.of("ArnLike aws:SourceArn fails", policy(allow(PARTNER, SEND_ACTION, THE_QUEUE,
                        "{\"ArnLike\":{\"aws:SourceArn\":\"arn:aws:sns:*:*:other-*\"}}")), Decision.NOT_APPLICABLE),
                Arguments.of("StringEquals aws:SourceAccount, one of two values", policy(allow(PARTNER, SEND_ACTION,
                        THE_QUEUE, "{\"StringEquals\":{\"aws:SourceAccount\":[\"1\",\"444455556666\"]}}")),
                        Decision.ALLOW),
                Arguments.of("Bool aws:SecureTransport false: a deny for plain HTTP does not match", policy(
                        allow(PARTNER, SEND_ACTION, THE_QUEUE, null),
                        statement("Deny", "\"Principal\":\"*\"", "\"sqs:*\"", "\"*\"",
                                "{\"Bool\":{\"aws:SecureTransport\":\"false\"}}")), Decision.ALLOW),
                Arguments.of("IpAddress inside the block", policy(allow(PARTNER, SEND_ACTION, THE_QUEUE,
                        "{\"IpAddress\":{\"aws:SourceIp\":\"203.0.113.0/24\"}}")), Decision.ALLOW),
                Arguments.of("NotIpAddress inside the block", policy(allow(PARTNER, SEND_ACTION, THE_QUEUE,
                        "{\"NotIpAddress\":{\"aws:SourceIp\":[\"10.0.0.0/8\",\"203.0.113.0/25\"]}}")),
                        Decision.NOT_APPLICABLE),
                Arguments.of("DateLessThan holds", policy(allow(PARTNER, SEND_ACTION, THE_QUEUE,
                        "{\"DateLessThan\":{\"aws:CurrentTime\":\"2027-01-01T00:00:00Z\"}}")), Decision.ALLOW),
                Arguments.of("DateGreaterThan fails", policy(allow(PARTNER, SEND_ACTION, THE_QUEUE,
                        "{\"DateGreaterThan\":{\"aws:CurrentTime\":\"2027-01-01T00:00:00Z\"}}")),
                        Decision.NOT_APPLICABLE),
                Arguments.of("two keys in one operator must both hold", policy(allow(PARTNER, SEND_ACTION, THE_QUEUE,
                        "{\"StringEquals\":{\"aws:SourceAccount\":\"444455556666\",\"aws:SourceVpc\":\"vpc-1\"}}")),
                        Decision.NOT_APPLICABLE),
                Arguments.of("a missing key fails a positive operator", policy(allow(PARTNER, SEND_ACTION, THE_QUEUE,
                        "{\"StringEquals\":{\"aws:SourceVpce\":\"vpce-1\"}}")), Decision.NOT_APPLICABLE),
                Arguments.of("a missing key holds under IfExists", policy(allow(PARTNER, SEND_ACTION, THE_QUEUE,
                        "{\"StringEqualsIfExists\":{\"aws:SourceVpce\":\"vpce-1\"}}")), Decision.ALLOW),
                Arguments.of("a missing key holds under a negated operator", policy(allow(PARTNER, SEND_ACTION,
                        THE_QUEUE, "{\"StringNotEquals\":{\"aws:SourceVpce\":\"vpce-1\"}}")), Decision.ALLOW),
                Arguments.of("an operator not known matches nothing", policy(allow(PARTNER, SEND_ACTION, THE_QUEUE,
                        "{\"ForAllValues:StringEquals\":{\"aws:SourceAccount\":\"444455556666\"}}")),
                        Decision.NOT_APPLICABLE),
                Arguments.of("a single statement object", "{\"Statement\":" + allow(PARTNER, SEND_ACTION, THE_QUEUE,
                        null) + "}", Decision.ALLOW));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void decides(String rule, String policy, Decision expected) {
        assertThat(PolicyEvaluation.evaluate(policy, SEND)).as(rule).isEqualTo(expected);
    }

    @org.junit.jupiter.api.Test
    void wildcardsAndAddressBlocks() {
        assertThat(PolicyEvaluation.like("a*c?e", "abbbcde", false)).isTrue();
        assertThat(PolicyEvaluation.like("a*c?e", "abbbcdde", false)).isFalse();
        assertThat(PolicyEvaluation.like("*", "", false)).isTrue();
        assertThat(PolicyEvaluation.inCidr("10.1.2.3", "10.0.0.0/8")).isTrue();
        assertThat(PolicyEvaluation.inCidr("11.1.2.3", "10.0.0.0/8")).isFalse();
        assertThat(PolicyEvaluation.inCidr("2001:db8::1", "2001:db8::/32")).isTrue();
        assertThat(PolicyEvaluation.inCidr("10.1.2.3", "example.com")).as("never a name lookup").isFalse();
    }
}
