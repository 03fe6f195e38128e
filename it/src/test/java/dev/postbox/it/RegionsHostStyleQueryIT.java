package dev.postbox.it;

/** {@link RegionsSpec} through AWS SDK for Java v1 (query protocol), with host-style queue URLs, as AWS's look. */
class RegionsHostStyleQueryIT extends RegionsQueryIT {
    @Override
    String urlStyle() {
        return "host";
    }
}
