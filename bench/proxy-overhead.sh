#!/usr/bin/env bash
# Proxy overhead, one bounded run on 127.0.0.1: the same closed-loop load (bench LoadGen) directly at a
# worker and through Drover, interleaved, twice. Writes bench/results/*.json and bench/results/summary.md.
#   A  plain:    mock worker (--token-delay-ms 0 --output-tokens 8), non-streamed, concurrency 64 and 1
#   B  stream:   mock worker (--token-delay-ms 5), streamed, concurrency 1 and 64: time to first event
#   C  ndstream: bench NoDelayWorker (TCP_NODELAY, 5 ms/token), streamed, concurrency 1 and 64 (control)
# Env: DURATION (measured s per run, default 6), WARMUP (s, default 8: the JIT needs it), ROUNDS (default 2), BASE_PORT (19100).
# Every process it starts is killed on exit. Takes about 4-5 minutes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export JAVA_HOME="${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
DURATION="${DURATION:-6}"; WARMUP="${WARMUP:-8}"; ROUNDS="${ROUNDS:-2}"; BASE="${BASE_PORT:-19100}"
RESULTS="$ROOT/bench/results"; LOGS="$ROOT/target/bench-logs"
CLK_TCK="$(getconf CLK_TCK)"
source "$ROOT/bench/lib.sh"
bench_build
bench_snapshot
DROVER=("${DROVER_CMD[@]}")
JAVA_BENCH=("$JAVA_HOME/bin/java" -XX:+UseParallelGC -Xms256m -Xmx512m -cp "$CP")
mkdir -p "$RESULTS" "$LOGS"
rm -f "$RESULTS"/*.json "$RESULTS"/summary.md

start_drover() { # PORT WORKER_URL: sets DROVER_PID
  start_bg "drover-$1" "${DROVER[@]}" --host 127.0.0.1 --port "$1" --prometheus-host 127.0.0.1 \
      --prometheus-port $(( $1 + 10 )) --policy round_robin --log-level warn --worker-urls "$2"
  DROVER_PID=$LAST_PID
  wait_http "http://127.0.0.1:$1/readiness"
}

loadgen() { # LABEL URL CONCURRENCY STREAM(0|1) [extra LoadGen args]
  local label="$1" url="$2" c="$3" s="$4"; shift 4
  local extra=(); [ "$s" = 1 ] && extra+=(--stream)
  "${JAVA_BENCH[@]}" io.drover.bench.LoadGen --url "$url/v1/chat/completions" --concurrency "$c" \
      --duration-secs "$DURATION" --warmup-secs "$WARMUP" --label "$label" --json-out "$RESULTS/$label.json" \
      --clk-tck "$CLK_TCK" --cpu-pid "drover=$DROVER_PID" --cpu-pid "worker=$WORKER_PID" "${extra[@]}" "$@" \
    || echo "proxy-overhead: $label reported errors (see above)" >&2
}

pairs() { # SCENARIO-PREFIX STREAM DIRECT_URL DROVER_URL
  local prefix="$1" s="$2" direct="$3" drover="$4" r c
  # one discarded warm-up through each path, so the first measured pair does not pay for JIT compilation
  loadgen "warmup-$prefix-direct" "$direct" 64 "$s"
  loadgen "warmup-$prefix-drover" "$drover" 64 "$s"
  for r in $(seq 1 "$ROUNDS"); do
    for c in $5; do
      loadgen "$prefix-c$c.direct.$r" "$direct" "$c" "$s"
      loadgen "$prefix-c$c.drover.$r" "$drover" "$c" "$s"
    done
  done
}

T0=$(date +%s)
# A: non-streamed through a mock worker with no token delay
start_bg mock-plain "${DROVER[@]}" mock-worker --http-base-port "$BASE" --http-count 1 --token-delay-ms 0 --output-tokens 8
WORKER_PID=$LAST_PID; wait_http "http://127.0.0.1:$BASE/health"
start_drover $(( BASE + 80 )) "http://127.0.0.1:$BASE"
pairs plain 0 "http://127.0.0.1:$BASE" "http://127.0.0.1:$(( BASE + 80 ))" "64 1"
stop "$DROVER_PID"; stop "$WORKER_PID"

# B: streamed through a mock worker, 5 ms between tokens
start_bg mock-stream "${DROVER[@]}" mock-worker --http-base-port $(( BASE + 1 )) --http-count 1 --token-delay-ms 5 --output-tokens 8
WORKER_PID=$LAST_PID; wait_http "http://127.0.0.1:$(( BASE + 1 ))/health"
start_drover $(( BASE + 81 )) "http://127.0.0.1:$(( BASE + 1 ))"
pairs stream 1 "http://127.0.0.1:$(( BASE + 1 ))" "http://127.0.0.1:$(( BASE + 81 ))" "1 64"
stop "$DROVER_PID"; stop "$WORKER_PID"

# C: the same streams from the TCP_NODELAY control worker
start_bg nodelay-worker "${JAVA_BENCH[@]}" io.drover.bench.NoDelayWorker --port $(( BASE + 2 )) --tokens 8 \
    --token-delay-ms 5 --max-secs 300
WORKER_PID=$LAST_PID; wait_http "http://127.0.0.1:$(( BASE + 2 ))/health"
start_drover $(( BASE + 82 )) "http://127.0.0.1:$(( BASE + 2 ))"
pairs ndstream 1 "http://127.0.0.1:$(( BASE + 2 ))" "http://127.0.0.1:$(( BASE + 82 ))" "1 64"
stop "$DROVER_PID"; stop "$WORKER_PID"

{
  echo "# proxy-overhead $(date -u +%Y-%m-%dT%H:%M:%SZ): DURATION=${DURATION}s WARMUP=${WARMUP}s ROUNDS=$ROUNDS, $(( $(date +%s) - T0 )) s"
  "${JAVA_BENCH[@]}" io.drover.bench.Summary "$RESULTS"
} | tee "$RESULTS/summary.md"
