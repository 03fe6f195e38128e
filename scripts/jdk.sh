# Sourced by ./postbox, ./mvnw and .ci/run: makes JAVA_HOME point at a JDK >= 21 (its feature version in
# POSTBOX_JAVA_MAJOR).
# Order: $JAVA_HOME, the java on PATH, then JDKs under /usr/lib/jvm and /opt (newest first).
postbox_java_major() { # prints the feature version of the java binary $1, or 0
  # The JDK's release file answers without starting a JVM, and plain bash reads it without forking: ./postbox
  # runs this on every start.
  local release="${1%/bin/java}/release" line
  if [ -f "$release" ]; then
    while IFS= read -r line; do
      case $line in
        JAVA_VERSION=\"[0-9]*) line=${line#JAVA_VERSION=\"}; echo "${line%%[!0-9]*}"; return 0 ;;
      esac
    done <"$release"
  fi
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1 | grep . || echo 0
}
postbox_jdk_ok() { # whether $1 is a JDK >= 21 (then exports it as JAVA_HOME)
  [ -n "$1" ] && [ -x "$1/bin/javac" ] || return 1
  POSTBOX_JAVA_MAJOR=$(postbox_java_major "$1/bin/java")
  [ "$POSTBOX_JAVA_MAJOR" -ge 21 ] || return 1
  export JAVA_HOME="$1"
}
postbox_find_jdk() {
  local on_path candidate
  postbox_jdk_ok "${JAVA_HOME:-}" && return 0
  on_path=$(readlink -f "$(command -v java 2>/dev/null)" 2>/dev/null || true)
  postbox_jdk_ok "${on_path%/bin/java}" && return 0
  for candidate in $(find /usr/lib/jvm /opt /opt/java -mindepth 1 -maxdepth 1 -type d 2>/dev/null | sort -rV); do
    postbox_jdk_ok "$candidate" && return 0
  done
  echo "postbox: no JDK >= 21 found; install one or set JAVA_HOME" >&2
  return 1
}
postbox_find_jdk
