#!/usr/bin/env bash
# Checks what `make setup` cannot install by itself, and says what to do when one is missing.
set -u
fail=0
py=${PYTHON:-python3}
if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Python >= 3.11 is needed as '$py' (Debian/Ubuntu: apt-get install python3 python3-venv; or set PYTHON=/path/to/python3.11)"
  fail=1
fi
if ! "$py" -c 'import venv, ensurepip' 2>/dev/null; then
  echo "Python's venv module is missing (Debian/Ubuntu: apt-get install python3-venv)"
  fail=1
fi
java_bin=java
[ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && java_bin="$JAVA_HOME/bin/java"
if ! command -v "$java_bin" >/dev/null; then
  echo "A JDK 17 or newer is needed (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless; or set JAVA_HOME)"
  fail=1
else
  major=$("$java_bin" -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p')
  if [ -z "$major" ] || [ "${major%%.*}" -lt 17 ]; then
    echo "Java $major found; Neo4j 5.26 needs 17 or newer (set JAVA_HOME to a newer JDK)"
    fail=1
  fi
fi
if [ ! -f tools/neo4j/target/lib/.pom-sha256 ] && ! command -v mvn >/dev/null; then
  echo "Maven is needed once, to fetch Neo4j from Maven Central (Debian/Ubuntu: apt-get install maven)"
  fail=1
fi
if ! command -v npm >/dev/null; then
  echo "npm is needed once, to fetch the explorer's graph library (Debian/Ubuntu: apt-get install npm)"
  fail=1
fi
exit $fail
