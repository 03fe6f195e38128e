package dev.postbox.it;

import dev.postbox.core.ErrorCode;
import dev.postbox.protocol.HttpExchange;
import dev.postbox.protocol.RequestDispatcher;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SDKs are the oracle for the modeled errors: AWS SDK for Java v2 has an exception type for each JSON shape, and
 * SDK v1 (query protocol) recognises each query code with the unmarshaller of that shape. Each error is rendered as
 * the server renders it (query XML), then handed to v1's unmarshaller, which must claim it.
 */
class ErrorCodesMatchTheSdksTest {
    private static final List<ErrorCode> MODELED = Arrays.stream(ErrorCode.values()).filter(ErrorCode::modeled)
            .toList();

    private static String exceptionName(ErrorCode code) {
        return code.shapeName().endsWith("Exception") ? code.shapeName() : code.shapeName() + "Exception";
    }

    @Test
    void sdkV2HasAnExceptionTypeForEveryModeledShape() throws Exception {
        for (ErrorCode code : MODELED) {
            Class<?> type = Class.forName("software.amazon.awssdk.services.sqs.model." + exceptionName(code));
            assertThat(software.amazon.awssdk.services.sqs.model.SqsException.class.isAssignableFrom(type))
                    .as(code.name()).isTrue();
        }
    }

    @Test
    void sdkV1RecognisesEveryModeledQueryCodeItKnows() throws Exception {
        int checked = 0;
        for (ErrorCode code : MODELED) {
            Class<?> unmarshallerType;
            try {
                unmarshallerType = Class.forName("com.amazonaws.services.sqs.model.transform." + exceptionName(code)
                        + "Unmarshaller");
            } catch (ClassNotFoundException newerThanTheQuerySdk) {
                continue; // a shape added after 1.12.583 (InvalidAttributeValue): v1 has no type for it
            }
            Object unmarshaller = unmarshallerType.getConstructor().newInstance();
            Object recognised = unmarshallerType.getMethod("unmarshall", org.w3c.dom.Node.class)
                    .invoke(unmarshaller, renderedAsQueryError(code));
            assertThat(recognised).as("%s as %s", code.name(), code.queryCode()).isNotNull();
            assertThat(recognised.getClass().getSimpleName()).isEqualTo(exceptionName(code));
            checked++;
        }
        assertThat(checked).as("shapes the query SDK knows").isGreaterThanOrEqualTo(MODELED.size() - 1);
    }

    private static Document renderedAsQueryError(ErrorCode code) throws Exception {
        HttpExchange.Response response = RequestDispatcher.error(new HttpExchange.Request("POST", "/", null,
                HttpExchange.Headers.ofLowerCase(Map.of()), new byte[0]), code, "message", "request-id");
        assertThat(response.status()).isEqualTo(code.httpStatus());
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(response.body()));
    }
}
