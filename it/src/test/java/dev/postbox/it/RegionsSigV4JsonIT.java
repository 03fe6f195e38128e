package dev.postbox.it;

import java.util.Map;

/** {@link RegionsSpec} through AWS SDK for Java v2 (AWS JSON 1.0), signatures checked: the region is the credential scope's. */
class RegionsSigV4JsonIT extends RegionsJsonIT {
    @Override
    Map<String, String> authFlags() throws java.io.IOException {
        return sigV4();
    }
}
