package dev.postbox.it;

/** {@link RegionsSpec} through AWS SDK for Java v2 (AWS JSON 1.0), with host-style queue URLs, as AWS's look. */
class RegionsHostStyleJsonIT extends RegionsJsonIT {
    @Override
    String urlStyle() {
        return "host";
    }
}
