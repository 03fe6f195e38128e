package dev.postbox.core.service;

import dev.postbox.core.api.MessageAttributeValue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which message attributes a ReceiveMessage asked for: {@code All}, {@code *} or {@code .*} for all,
 * {@code prefix.*} for names starting with {@code prefix} (AWS: {@code Hel.*} returns {@code Hello} and
 * {@code Help.Me}), else exact names. Names that match nothing are ignored.
 */
final class MessageAttributeSelection {
    private final boolean all;
    private final List<String> exact;
    private final List<String> prefixes;

    private MessageAttributeSelection(boolean all, List<String> exact, List<String> prefixes) {
        this.all = all;
        this.exact = exact;
        this.prefixes = prefixes;
    }

    static MessageAttributeSelection of(List<String> names) {
        if (names == null || names.isEmpty()) {
            return new MessageAttributeSelection(false, List.of(), List.of());
        }
        boolean all = names.stream().anyMatch(n -> n.equals("All") || n.equals("*") || n.equals(".*"));
        List<String> prefixes = names.stream().filter(n -> n.endsWith(".*") && n.length() > 2)
                .map(n -> n.substring(0, n.length() - 2)).toList();
        return new MessageAttributeSelection(all, List.copyOf(names), prefixes);
    }

    Map<String, MessageAttributeValue> apply(Map<String, MessageAttributeValue> attributes) {
        if (all || attributes.isEmpty()) {
            return all ? attributes : Map.of();
        }
        Map<String, MessageAttributeValue> result = new LinkedHashMap<>();
        attributes.forEach((name, value) -> {
            if (exact.contains(name) || prefixes.stream().anyMatch(name::startsWith)) {
                result.put(name, value);
            }
        });
        return result;
    }
}
