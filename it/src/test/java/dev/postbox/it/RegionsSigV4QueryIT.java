package dev.postbox.it;

import java.util.Map;

/** {@link RegionsSpec} through AWS SDK for Java v1 (query protocol), signatures checked: the region is the credential scope's. */
class RegionsSigV4QueryIT extends RegionsQueryIT {
    @Override
    Map<String, String> authFlags() throws java.io.IOException {
        return sigV4();
    }
}
