package dev.postbox.auth;

import java.util.Objects;

/**
 * One set of credentials the server accepts, and who uses them.
 *
 * @param accessKeyId     the key id a signature names
 * @param secretAccessKey the secret the signature is made with; never printed
 * @param accountId       the account the caller belongs to (12 digits)
 * @param principalId     who the caller is: the {@code SenderId} of the messages it sends
 * @param sessionToken    the {@code X-Amz-Security-Token} requests must carry (temporary credentials), or null
 */
public record Identity(String accessKeyId, String secretAccessKey, String accountId, String principalId,
                       String sessionToken) {
    public Identity {
        Objects.requireNonNull(accessKeyId, "accessKeyId");
        Objects.requireNonNull(secretAccessKey, "secretAccessKey");
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(principalId, "principalId");
    }

    /** Secrets stay out of logs and errors. */
    @Override
    public String toString() {
        return "Identity[accessKeyId=" + accessKeyId + ", accountId=" + accountId + ", principalId=" + principalId
                + ", secretAccessKey=***" + (sessionToken == null ? "" : ", sessionToken=***") + "]";
    }
}
