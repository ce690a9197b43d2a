#!/usr/bin/env bash
# JMH micro-benchmarks of bench/src/main/java/io/drover/bench/jmh, short runs (-f 1 -wi 2 -i 3 -r 1s by default).
#   bench/jmh.sh [JMH include regex]      default: io.drover.bench.jmh (all of them); e.g. bench/jmh.sh PolicyBench
# Env: JMH_OPTS (default "-f 1 -wi 2 -w 1s -i 3 -r 1s"). Writes target/jmh/result.json and prints a markdown table.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export JAVA_HOME="${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
INCLUDE="${1:-io.drover.bench.jmh}"
OPTS="${JMH_OPTS:--f 1 -wi 2 -w 1s -i 3 -r 1s}"
mkdir -p target/jmh
mvn -B -q -Pbench -DskipTests test-compile exec:exec -Djmh.args="$OPTS -rf json -rff $ROOT/target/jmh/result.json $INCLUDE" \
    > target/jmh/output.txt 2>&1 || { tail -n 40 target/jmh/output.txt; exit 1; }
mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$ROOT/target/bench-classpath.txt" >&2
echo "# jmh $(date -u +%Y-%m-%dT%H:%M:%SZ) nproc=$(nproc) opts: $OPTS $INCLUDE"
"$JAVA_HOME/bin/java" -cp "$ROOT/target/test-classes:$(cat "$ROOT/target/bench-classpath.txt")" io.drover.bench.JmhSummary \
    target/jmh/result.json | tee target/jmh/summary.md
