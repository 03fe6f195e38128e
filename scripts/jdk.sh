# Sourced by ./postbox, ./mvnw and .ci/run: makes JAVA_HOME point at a JDK >= 21 (its feature version in
# POSTBOX_JAVA_MAJOR).
# Order: $JAVA_HOME, the java on PATH, then the newest JDK under /usr/lib/jvm, /opt and /opt/java.
# ./postbox runs this on every start, so it forks as little as it can (a fork costs ~4 ms on a small machine, and
# the first version forked ten times): versions come from each JDK's release file, read by bash itself.
postbox_java_major() { # sets POSTBOX_JAVA_MAJOR to the feature version of the JDK in directory $1, or 0
  local line
  POSTBOX_JAVA_MAJOR=0
  if [ -f "$1/release" ]; then
    while IFS= read -r line; do
      case $line in
        JAVA_VERSION=\"[0-9]*) line=${line#JAVA_VERSION=\"}; POSTBOX_JAVA_MAJOR=${line%%[!0-9]*}; return 0 ;;
      esac
    done <"$1/release"
  elif [ -x "$1/bin/java" ]; then # no release file: ask the JVM (slow, but rare)
    line=$("$1/bin/java" -XshowSettings:properties -version 2>&1 \
      | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1)
    POSTBOX_JAVA_MAJOR=${line:-0}
  fi
}
postbox_jdk_ok() { # whether $1 is a JDK >= 21 (then exports it as JAVA_HOME)
  [ -n "$1" ] && [ -x "$1/bin/javac" ] || return 1
  postbox_java_major "$1"
  [ "$POSTBOX_JAVA_MAJOR" -ge 21 ] || return 1
  export JAVA_HOME="$1"
}
postbox_find_jdk() {
  local on_path candidate best="" best_major=0
  postbox_jdk_ok "${JAVA_HOME:-}" && return 0
  on_path=$(command -v java 2>/dev/null) && on_path=$(readlink -f "$on_path" 2>/dev/null) \
    && postbox_jdk_ok "${on_path%/bin/java}" && return 0
  case $- in *f*) set +f; set -- restore-noglob ;; *) set -- ;; esac # ./mvnw runs with globbing off (set -f)
  for candidate in /usr/lib/jvm/*/ /opt/*/ /opt/java/*/; do
    candidate=${candidate%/}
    [ -x "$candidate/bin/javac" ] || continue
    postbox_java_major "$candidate"
    if [ "$POSTBOX_JAVA_MAJOR" -gt "$best_major" ]; then
      best=$candidate best_major=$POSTBOX_JAVA_MAJOR
    fi
  done
  [ "${1:-}" = restore-noglob ] && set -f
  postbox_jdk_ok "$best" && return 0
  echo "postbox: no JDK >= 21 found; install one or set JAVA_HOME" >&2
  return 1
}
postbox_find_jdk
