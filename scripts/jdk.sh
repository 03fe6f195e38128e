# Sourced by ./postbox, ./mvnw and .ci/run: makes JAVA_HOME point at a JDK >= 21.
# Order: $JAVA_HOME, the java on PATH, then JDKs under /usr/lib/jvm and /opt (newest first).
postbox_java_major() { # prints the feature version of the java binary $1, or 0
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1 | grep . || echo 0
}
postbox_find_jdk() {
  local candidate
  for candidate in "${JAVA_HOME:-}" "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null)" 2>/dev/null)" 2>/dev/null)" 2>/dev/null)" \
      $(find /usr/lib/jvm /opt /opt/java -mindepth 1 -maxdepth 1 -type d 2>/dev/null | sort -rV); do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    if [ "$(postbox_java_major "$candidate/bin/java")" -ge 21 ]; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  done
  echo "postbox: no JDK >= 21 found; install one or set JAVA_HOME" >&2
  return 1
}
postbox_find_jdk
