package dev.postbox.core;

import dev.postbox.core.store.QueueKey;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QueueUrlsTest {
    private static final QueueKey EU = new QueueKey("eu-west-1", "123456789012", "jobs");

    @Test
    void eachStyleShowsTheRegionItsWay() {
        assertThat(new QueueUrls(QueueUrls.Style.PATH).url("http://localhost:9324", EU))
                .isEqualTo("http://localhost:9324/queue/eu-west-1/123456789012/jobs");
        assertThat(new QueueUrls(QueueUrls.Style.HOST).url("https://localhost:9324", EU))
                .isEqualTo("https://sqs.eu-west-1.localhost:9324/123456789012/jobs");
        assertThat(new QueueUrls(QueueUrls.Style.PLAIN).url("http://localhost:9324", EU))
                .isEqualTo("http://localhost:9324/123456789012/jobs");
    }

    @Test
    void theHostStyleReplacesTheRegionOfAHostThatAlreadyNamesOne() {
        assertThat(new QueueUrls(QueueUrls.Style.HOST).url("http://sqs.us-east-1.example.test", EU))
                .isEqualTo("http://sqs.eu-west-1.example.test/123456789012/jobs");
    }

    @Test
    void theHostStyleGivesAPathStyleUrlToACallerThatUsedAnAddress() {
        QueueUrls host = new QueueUrls(QueueUrls.Style.HOST);
        assertThat(host.url("http://127.0.0.1:9324", EU)).isEqualTo("http://127.0.0.1:9324/queue/eu-west-1/123456789012/jobs");
        assertThat(host.url("http://[::1]:9324", EU)).isEqualTo("http://[::1]:9324/queue/eu-west-1/123456789012/jobs");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // every style's URL reads back as the queue, whatever the request's region
            "http://localhost:9324/queue/eu-west-1/123456789012/jobs, eu-west-1, 123456789012",
            "http://sqs.eu-west-1.localhost:9324/123456789012/jobs, eu-west-1, 123456789012",
            "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs, eu-west-1, 123456789012",
            "http://localhost:9324/queue/elasticmq/123456789012/jobs, elasticmq, 123456789012",
            "http://localhost:9324/eu-west-1/123456789012/jobs, eu-west-1, 123456789012",
            // a URL that shows no region is in the request's; none of an account is the caller's
            "http://localhost:9324/123456789012/jobs, ap-south-1, 123456789012",
            "http://sqs.example.test/123456789012/jobs, ap-south-1, 123456789012",
            "http://localhost:9324/queue/123456789012/jobs, ap-south-1, 123456789012",
            "http://localhost:9324/queue/jobs, ap-south-1, 000000000000",
            "jobs, ap-south-1, 000000000000",
            "/123456789012/jobs?Action=SendMessage, ap-south-1, 123456789012",
    })
    void readsTheRegionAndAccountAUrlShows(String url, String region, String account) {
        assertThat(QueueUrls.parse(url, "ap-south-1", "000000000000"))
                .isEqualTo(new QueueKey(region, account, "jobs"));
    }

    @Test
    void aUrlWithoutANameIsNoQueue() {
        assertThatThrownBy(() -> QueueUrls.parse("http://localhost:9324/", "us-east-1", "000000000000")).isInstanceOfSatisfying(SqsException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.QUEUE_DOES_NOT_EXIST));
    }

    @Test
    void arnsCarryTheRegion() {
        assertThat(QueueUrls.arn(EU)).isEqualTo("arn:aws:sqs:eu-west-1:123456789012:jobs");
        assertThat(QueueUrls.parseArn("arn:aws:sqs:eu-west-1:123456789012:jobs")).isEqualTo(EU);
        assertThat(QueueUrls.parseArn("arn:aws:sqs:eu-west-1:1234:jobs")).isNull();
        assertThat(QueueUrls.parseArn("arn:aws:sns:eu-west-1:123456789012:jobs")).isNull();
        assertThat(QueueUrls.parseArn("arn:aws:sqs::123456789012:jobs")).isNull();
    }
}
