package dev.postbox.core.api;

import java.util.List;

public final class AddPermission {
    private AddPermission() {
    }

    public record Request(String queueUrl, String label, List<String> awsAccountIds, List<String> actions) {
    }
}
