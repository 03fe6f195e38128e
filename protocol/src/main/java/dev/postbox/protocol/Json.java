package dev.postbox.protocol;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The one configured Jackson mapper. */
final class Json {
    static final ObjectMapper MAPPER = JsonMapper.builder().build();

    static {
        // Request bodies are bounded by the server; allow any single string up to that size.
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength(64 * 1024 * 1024).build());
    }

    private Json() {
    }

    static byte[] write(com.fasterxml.jackson.databind.JsonNode tree) {
        try {
            return MAPPER.writeValueAsBytes(tree);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }
}
