# Shared by the bench scripts (source it after setting ROOT): process bookkeeping with an exit trap,
# readiness polling, and a build copied to a private snapshot, so that a rebuild during a run cannot
# change the classes under a running JVM. Everything it starts listens on 127.0.0.1 and is killed on exit.

PIDS=()
bench_cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -z "${SNAP:-}" ] || rm -rf "$SNAP"
}
trap bench_cleanup EXIT
trap "exit 130" INT TERM

# wait_http URL [TRIES]: polls every 0.2 s until URL answers 2xx (default 300 tries, 60 s)
wait_http() {
  local i
  for i in $(seq 1 "${2:-300}"); do curl -sf -o /dev/null "$1" && return 0; sleep 0.2; done
  echo "$(basename "$0"): $1 did not come up" >&2
  return 1
}

# start_bg NAME CMD...: runs CMD in the background, logs to $LOGS/NAME.log, sets LAST_PID
start_bg() { local name="$1"; shift; "$@" >"$LOGS/$name.log" 2>&1 & LAST_PID=$!; PIDS+=("$LAST_PID"); }

# stop PID: ends one process started by start_bg
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# bench_build: builds the jar and the test classpath unless NO_BUILD=1
bench_build() {
  if [ "${NO_BUILD:-0}" != 1 ]; then
    echo "$(basename "$0"): building ..." >&2
    (cd "$ROOT" && mvn -B -q -Dstyle.color=never -DskipTests package dependency:build-classpath \
        -Dmdep.includeScope=test -Dmdep.outputFile="$ROOT/target/bench-classpath.txt" >&2 \
      && mvn -B -q -Dstyle.color=never -DskipTests test-compile >&2)
  fi
}

# bench_snapshot: copies the build to $SNAP and sets CP (test classpath) and DROVER_CMD
bench_snapshot() {
  SNAP="$ROOT/target/bench-snap-$$"; rm -rf "$SNAP"; mkdir -p "$SNAP"
  cp -r "$ROOT/target/test-classes" "$ROOT/target/classes" "$SNAP/"; cp "$ROOT/target/drover.jar" "$SNAP/drover.jar"
  CP="$SNAP/test-classes:$SNAP/classes:$(cat "$ROOT/target/bench-classpath.txt")"
  DROVER_CMD=("$JAVA_HOME/bin/java" --sun-misc-unsafe-memory-access=allow -XX:+UseParallelGC -jar "$SNAP/drover.jar")
}
