#!/usr/bin/env bash
# Builds the test classes (bench/ is a test source root) and runs io.drover.bench.LoadGen on JDK 25.
#   bench/run-loadgen.sh --url http://127.0.0.1:9000/v1/chat/completions --concurrency 64 --duration-secs 10
# Set LOADGEN_NO_BUILD=1 to skip the Maven step (the classpath file must exist already).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JAVA_HOME="${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
CP_FILE="$ROOT/target/bench-classpath.txt"
if [ "${LOADGEN_NO_BUILD:-0}" != 1 ]; then
  (cd "$ROOT" && mvn -B -q test-compile dependency:build-classpath \
      -Dmdep.includeScope=test -Dmdep.outputFile="$CP_FILE" >&2)
fi
[ -f "$CP_FILE" ] || { echo "run-loadgen: $CP_FILE missing (run without LOADGEN_NO_BUILD=1)" >&2; exit 2; }
exec "$JAVA_HOME/bin/java" -XX:+UseParallelGC -Xms256m -Xmx512m \
  -cp "$ROOT/target/test-classes:$ROOT/target/classes:$(cat "$CP_FILE")" io.drover.bench.LoadGen "$@"
