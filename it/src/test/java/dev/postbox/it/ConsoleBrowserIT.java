package dev.postbox.it;

import dev.postbox.server.PostboxConfig;
import dev.postbox.server.PostboxServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The console in a real browser: Debian's chromium, headless, driven through its chromedriver. Screenshots go to
 * {@code it/target/console-screenshots/}. The rules that need no browser (another site's form, the console's
 * absence with authentication on) are checked over plain HTTP.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleBrowserIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target/console-screenshots");

    private PostboxServer server;
    private SqsClient sqs;
    private long started;

    @BeforeAll
    void start() {
        started = System.nanoTime();
        server = PostboxServer.start(PostboxConfig.resolve(null, Map.of(), Map.of(PostboxConfig.HTTP_PORT, "0",
                PostboxConfig.STORAGE_KIND, "memory")));
        sqs = client(server.endpoint(), "AKID", "secret");
    }

    @AfterAll
    void stop() {
        sqs.close();
        server.close();
    }

    @Test
    void anOperatorSeesPeeksSendsSearchesAndPurgesInTheBrowser() throws Exception {
        requireBrowser();
        String dlq = sqs.createQueue(b -> b.queueName("console-jobs-dlq")).queueUrl();
        String dlqArn = sqs.getQueueAttributes(b -> b.queueUrl(dlq).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributesAsStrings().get("QueueArn");
        String url = sqs.createQueue(b -> b.queueName("console-jobs").attributesWithStrings(Map.of("RedrivePolicy",
                "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\"3\"}"))).queueUrl();
        sqs.sendMessage(b -> b.queueUrl(url).messageBody("{\"order\":42,\"items\":[\"tea\"]}")
                .messageAttributes(Map.of("Color", MessageAttributeValue.builder().dataType("String")
                        .stringValue("blue").build())));

        WebDriver browser = browser();
        try {
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(15));
            browser.get(server.endpoint() + "/console/");
            WebElement row = wait.until(ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector("tr[data-queue='console-jobs']")));
            assertThat(row.findElement(By.cssSelector("td.visible")).getText()).isEqualTo("1");
            assertThat(browser.findElement(By.cssSelector("tr[data-queue='console-jobs-dlq']")).getText())
                    .as("which queue is whose dead-letter queue").contains("console-jobs");
            screenshot(browser, "1-queues");
            sqs.sendMessage(b -> b.queueUrl(url).messageBody("sent while the page was open"));
            wait.until(ExpectedConditions.textToBe(By.cssSelector("tr[data-queue='console-jobs'] td.visible"), "2"));
            browser.findElement(By.id("filter")).sendKeys("dlq");
            wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("tr[data-queue]"), 1));
            assertThat(browser.findElement(By.cssSelector("tr[data-queue]")).getAttribute("data-queue"))
                    .isEqualTo("console-jobs-dlq");
            browser.get(server.endpoint() + "/console/");
            row = wait.until(ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector("tr[data-queue='console-jobs']")));

            row.findElement(By.linkText("console-jobs")).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("queue-name"), "console-jobs"));
            WebElement message = browser.findElements(By.cssSelector("#messages tr.message")).getFirst();
            assertThat(message.findElement(By.cssSelector("pre.body")).getText())
                    .as("a JSON body, pretty-printed").contains("\"order\" : 42");
            assertThat(message.getText()).contains("VISIBLE").contains("Color").contains("blue");
            screenshot(browser, "2-queue");

            browser.findElement(By.id("send-body")).sendKeys("sent from the browser");
            browser.findElement(By.id("send")).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("done"), "Sent."));
            assertThat(browser.findElements(By.cssSelector("#messages tr.message"))).hasSize(3);
            assertThat(browser.findElement(By.cssSelector("#counts td.visible")).getText()).isEqualTo("3");

            browser.findElement(By.id("search")).sendKeys("browser\n");
            wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#messages tr.message"), 1));
            assertThat(browser.findElement(By.cssSelector("#messages pre.body")).getText())
                    .isEqualTo("sent from the browser");
            screenshot(browser, "3-search");

            List<Message> received = sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10)
                    .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages();
            assertThat(received).hasSize(3).allSatisfy(m -> assertThat(m.attributesAsStrings())
                    .as("looking in the console received nothing").containsEntry("ApproximateReceiveCount", "1"));

            browser.get(server.endpoint() + "/console/queues/console-jobs");
            browser.findElement(By.id("purge-confirm")).sendKeys("not-the-name");
            browser.findElement(By.id("purge")).click();
            wait.until(ExpectedConditions.presenceOfElementLocated(By.id("error")));
            assertThat(sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributesAsStrings())
                    .containsEntry("ApproximateNumberOfMessagesNotVisible", "3");
            browser.findElement(By.id("purge-confirm")).sendKeys("console-jobs");
            browser.findElement(By.id("purge")).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("done"), "Purged."));
            assertThat(browser.findElement(By.cssSelector("#counts td.in-flight")).getText()).isEqualTo("0");
            screenshot(browser, "4-purged");

            // The charts need two samples of the queue, taken every 10 s from the server's start (the first, at the
            // start, was before the queue existed).
            Thread.sleep(Math.max(0, 21_500 - (System.nanoTime() - started) / 1_000_000));
            browser.get(server.endpoint() + "/console/queues/console-jobs");
            wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#rates canvas")));
            assertThat(browser.findElements(By.cssSelector("#depth canvas"))).isNotEmpty();
            screenshot(browser, "5-charts");
        } finally {
            browser.quit();
        }
    }

    @Test
    void aFormOfAnotherSiteIsRefused() throws Exception {
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create(server.endpoint() + "/console/queues"))
                        .header("Origin", "http://evil.example")
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("name=planted")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(sqs.listQueues(b -> b.queueNamePrefix("planted")).queueUrls()).isEmpty();
    }

    @Test
    void attributesAreSetAndARedriveStartsFromTheQueuesPage() throws Exception {
        String dlq = sqs.createQueue(b -> b.queueName("console-redrive-dlq")).queueUrl();
        String dlqArn = sqs.getQueueAttributes(b -> b.queueUrl(dlq).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributesAsStrings().get("QueueArn");
        String source = sqs.createQueue(b -> b.queueName("console-redrive").attributesWithStrings(Map.of(
                "RedrivePolicy", "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\"1\"}",
                "VisibilityTimeout", "0"))).queueUrl();
        sqs.sendMessage(b -> b.queueUrl(source).messageBody("fails once"));
        sqs.receiveMessage(b -> b.queueUrl(source));
        assertThat(sqs.receiveMessage(b -> b.queueUrl(source)).messages()).as("moved to the DLQ").isEmpty();

        HttpResponse<String> set = post("/console/queues/console-redrive/attributes", "name=VisibilityTimeout&value=45");
        assertThat(set.statusCode()).isEqualTo(303);
        assertThat(set.headers().firstValue("location")).get().asString().contains("done=");
        assertThat(sqs.getQueueAttributes(b -> b.queueUrl(source).attributeNames(QueueAttributeName.VISIBILITY_TIMEOUT))
                .attributesAsStrings()).containsEntry("VisibilityTimeout", "45");
        HttpResponse<String> bad = post("/console/queues/console-redrive/attributes", "name=VisibilityTimeout&value=-1");
        assertThat(java.net.URLDecoder.decode(bad.headers().firstValue("location").orElseThrow(),
                java.nio.charset.StandardCharsets.UTF_8)).contains("error=").contains("VisibilityTimeout");

        HttpResponse<String> started = post("/console/queues/console-redrive-dlq/redrive", "");
        assertThat(started.headers().firstValue("location")).get().asString().contains("done=");
        long deadline = System.nanoTime() + 10_000_000_000L;
        List<Message> back = List.of();
        while (back.isEmpty() && System.nanoTime() < deadline) {
            back = sqs.receiveMessage(b -> b.queueUrl(source).waitTimeSeconds(1)).messages();
        }
        assertThat(back).extracting(Message::body).as("moved back to its source").containsExactly("fails once");
        String page = get("/console/queues/console-redrive-dlq");
        assertThat(page).contains("id=\"tasks\"").contains("COMPLETED");
    }

    @Test
    void aMessageIsDeletedFromItsPageAndAVisibleFifoMessageIsNotWithAReason() throws Exception {
        String url = sqs.createQueue(b -> b.queueName("console-delete")).queueUrl();
        sqs.sendMessage(b -> b.queueUrl(url).messageBody("delete me"));
        HttpResponse<String> deleted = post("/console/queues/console-delete/messages/delete",
                "sequence=" + shownSequence("/console/queues/console-delete") + "&receiveCount=0");
        assertThat(deleted.headers().firstValue("location")).get().asString().contains("done=");
        assertThat(sqs.receiveMessage(b -> b.queueUrl(url)).messages()).isEmpty();

        String fifo = sqs.createQueue(b -> b.queueName("console-delete.fifo").attributesWithStrings(Map.of(
                "FifoQueue", "true", "ContentBasedDeduplication", "true"))).queueUrl();
        sqs.sendMessage(b -> b.queueUrl(fifo).messageBody("in order").messageGroupId("g"));
        HttpResponse<String> refused = post("/console/queues/console-delete.fifo/messages/delete",
                "sequence=" + shownSequence("/console/queues/console-delete.fifo") + "&receiveCount=0");
        assertThat(java.net.URLDecoder.decode(refused.headers().firstValue("location").orElseThrow(),
                java.nio.charset.StandardCharsets.UTF_8)).contains("error=On a FIFO queue only a message in flight");
        assertThat(sqs.receiveMessage(b -> b.queueUrl(fifo)).messages()).extracting(Message::body)
                .containsExactly("in order");
    }

    /** The sequence of the first message a queue's page shows (its delete form's hidden field). */
    private String shownSequence(String page) throws Exception {
        java.util.regex.Matcher field = java.util.regex.Pattern.compile("name=\"sequence\" value=\"(\\d+)\"")
                .matcher(get(page));
        assertThat(field.find()).as("a message on " + page).isTrue();
        return field.group(1);
    }

    private HttpResponse<String> post(String path, String form) throws Exception {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create(server.endpoint() + path))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String get(String path) throws Exception {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create(server.endpoint() + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void whatAMessageHoldsIsShownAsTextNeverAsMarkup() throws Exception {
        String url = sqs.createQueue(b -> b.queueName("console-markup")).queueUrl();
        sqs.sendMessage(b -> b.queueUrl(url).messageBody("<script>alert('x')</script>")
                .messageAttributes(Map.of("Note", MessageAttributeValue.builder().dataType("String")
                        .stringValue("\"><img src=x onerror=alert(1)>").build())));
        String page = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create(server.endpoint() + "/console/queues/console-markup")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(page).contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")
                .contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;").doesNotContain("<script>alert")
                .doesNotContain("<img src=x");
    }

    @Test
    void withAuthenticationOnTheConsoleAsksToSignInAndShowsAndActsAsThatIdentity() throws Exception {
        Path identities = Files.createTempFile("postbox-console-identities", ".json");
        Files.writeString(identities, """
                {"identities": [
                  {"accessKeyId": "AKIDMINE", "secretAccessKey": "mine-secret", "accountId": "111122223333",
                   "principalId": "AIDAMINE"},
                  {"accessKeyId": "AKIDTHEIRS", "secretAccessKey": "theirs-secret", "accountId": "444455556666"}
                ]}
                """);
        try (PostboxServer signed = PostboxServer.start(PostboxConfig.resolve(null, Map.of(), Map.of(
                PostboxConfig.HTTP_PORT, "0", PostboxConfig.STORAGE_KIND, "memory", PostboxConfig.AUTH_MODE, "sigv4",
                PostboxConfig.AUTH_IDENTITIES_FILE, identities.toString())));
             SqsClient mine = client(signed.endpoint(), "AKIDMINE", "mine-secret");
             SqsClient theirs = client(signed.endpoint(), "AKIDTHEIRS", "theirs-secret")) {
            String mineUrl = mine.createQueue(b -> b.queueName("mine-1")).queueUrl();
            theirs.createQueue(b -> b.queueName("theirs-1"));
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> unsigned = http.send(HttpRequest.newBuilder(URI.create(signed.endpoint()
                    + "/console/queues-table")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(unsigned.statusCode()).isEqualTo(303);
            assertThat(unsigned.headers().firstValue("location")).contains("/console/sign-in");
            HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create(signed.endpoint()
                            + "/console/sign-in")).header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("accessKeyId=AKIDMINE&secretAccessKey=guess")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(wrong.statusCode()).isEqualTo(403);
            assertThat(wrong.headers().firstValue("set-cookie")).isEmpty();

            requireBrowser();
            WebDriver browser = browser();
            try {
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(15));
                browser.get(signed.endpoint() + "/console/");
                wait.until(ExpectedConditions.presenceOfElementLocated(By.id("access-key"))).sendKeys("AKIDMINE");
                browser.findElement(By.id("secret")).sendKeys("mine-secret");
                browser.findElement(By.id("sign-in")).click();
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-queue='mine-1']")));
                assertThat(browser.findElements(By.cssSelector("tr[data-queue]"))).as("only its account's queues")
                        .hasSize(1);
                assertThat(browser.findElement(By.id("signed-in")).getText()).contains("AIDAMINE")
                        .contains("111122223333");
                screenshot(browser, "6-signed-in");

                browser.findElement(By.linkText("mine-1")).click();
                wait.until(ExpectedConditions.presenceOfElementLocated(By.id("send-body")))
                        .sendKeys("sent as AIDAMINE");
                browser.findElement(By.id("send")).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("done"), "Sent."));
                assertThat(mine.receiveMessage(b -> b.queueUrl(mineUrl).messageSystemAttributeNames(
                        MessageSystemAttributeName.SENDER_ID)).messages()).singleElement()
                        .satisfies(m -> assertThat(m.attributesAsStrings()).as("the console acts as the identity")
                                .containsEntry("SenderId", "AIDAMINE"));

                browser.get(signed.endpoint() + "/console/queues/theirs-1?account=444455556666");
                assertThat(browser.getPageSource()).as("another account's queue is not shown")
                        .contains("does not exist").doesNotContain("Send a message");
            } finally {
                browser.quit();
            }
        }
    }

    /** The browser test runs where chromium is installed, and must run in CI ({@code POSTBOX_REQUIRE_BROWSER}). */
    private static void requireBrowser() {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        String missing = "chromium and chromedriver (apt-get install chromium chromium-driver; .ci/run installs them)";
        if (System.getenv("POSTBOX_REQUIRE_BROWSER") != null) {
            assertThat(installed).as(missing).isTrue();
        }
        assumeTrue(installed, missing);
    }

    private static SqsClient client(String endpoint, String accessKeyId, String secret) {
        return SqsClient.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secret)))
                .build();
    }

    private static WebDriver browser() {
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static void screenshot(WebDriver browser, String name) throws Exception {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.createDirectories(SCREENSHOTS);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
