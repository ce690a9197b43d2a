#!/usr/bin/env bash
# Scale runs on 127.0.0.1, bounded:
#  (a) STREAMS (default "10000 50000") concurrent streamed requests through one Drover (closed loop, one stream per
#      connection, back to back), canned mock workers sending a token every 50 ms: errors, TTFT p99, Drover's heap
#      and peak RSS. Each stream needs two file descriptors in Drover (client side + upstream), so a count above
#      (hard fd limit - 256) / 2 is skipped with a message, and the largest feasible multiple of 1,000 is run instead.
#  (b) WORKERS (default "1000 4000") registered canned workers: added latency p50/p99 of Drover vs direct.
# Env: STREAM_SECS (30), RAMP_SECS (10), TOKENS (200 per stream), LAT_SECS (8), BASE_PORT (20000), PARTS ("a b").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export JAVA_HOME="${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
STREAMS="${STREAMS:-10000 50000}"; WORKERS="${WORKERS:-1000 4000}"; STREAM_SECS="${STREAM_SECS:-30}"
RAMP_SECS="${RAMP_SECS:-10}"; TOKENS="${TOKENS:-200}"; LAT_SECS="${LAT_SECS:-8}"; BASE="${BASE_PORT:-20000}"
PARTS="${PARTS:-a b}"
OUT="$ROOT/target/scale"; LOGS="$OUT/logs"; CLK_TCK="$(getconf CLK_TCK)"
mkdir -p "$OUT" "$LOGS"
source "$ROOT/bench/lib.sh"
ulimit -n "$(ulimit -Hn)" || true
FD_LIMIT="$(ulimit -n)"

bench_build
bench_snapshot
JAVA=("$JAVA_HOME/bin/java" -XX:+UseParallelGC)
DROVER_CMD=("${JAVA[@]}" --sun-misc-unsafe-memory-access=allow -jar "$SNAP/drover.jar")

status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
heap_used_mb() { # PID: used heap of a HotSpot JVM, MB (jcmd GC.heap_info; ParallelGC: young + old "used")
  "$JAVA_HOME/bin/jcmd" "$1" GC.heap_info 2>/dev/null | awk '/used/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?$/, "", v); s += v } } END { printf "%.0f", s / 1024 }'
}
SUMMARY="$OUT/summary.md"
{
  echo "# scale $(date -u +%Y-%m-%dT%H:%M:%SZ) nproc=$(nproc) fd-limit=$FD_LIMIT"
  echo
} >"$SUMMARY"

part_a() {
  local want feasible n counts=()
  feasible=$(( (FD_LIMIT - 256) / 2 / 1000 * 1000 ))
  for want in $STREAMS; do
    if [ $(( 2 * want + 256 )) -gt "$FD_LIMIT" ]; then
      echo "scale: SKIP $want concurrent streams: Drover would need $(( 2 * want )) file descriptors, the hard limit (ulimit -Hn) is $FD_LIMIT and cannot be raised here" | tee -a "$SUMMARY" >&2
      case " ${counts[*]:-} " in *" $feasible "*) ;; *) counts+=("$feasible") ;; esac
    else
      counts+=("$want")
    fi
  done
  echo "| concurrent streams | requests | errors | error kinds | TTFT p50 ms | TTFT p99 ms | ITL p99 ms | Drover heap used MB (mid-run) | Drover peak RSS MB | Drover threads | Drover CPU s |" >>"$SUMMARY"
  echo "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|" >>"$SUMMARY"
  for n in "${counts[@]}"; do
    echo "scale: (a) $n concurrent streams for ${STREAM_SECS}s (ramp ${RAMP_SECS}s), $TOKENS tokens at 50 ms" >&2
    start_bg mock-a "${JAVA[@]}" -Xmx4g -cp "$SNAP/drover.jar" io.drover.mock.MockWorkerCommand --http-base-port "$BASE" \
        --http-count 4 --token-delay-ms 50 --output-tokens "$TOKENS"
    local mock=$LAST_PID urls="" i
    wait_http "http://127.0.0.1:$BASE/health"
    for i in 0 1 2 3; do urls="$urls${urls:+,}http://127.0.0.1:$(( BASE + i ))"; done
    start_bg "drover-a-$n" "${DROVER_CMD[@]}" --host 127.0.0.1 --port $(( BASE + 900 )) --prometheus-host 127.0.0.1 \
        --prometheus-port $(( BASE + 901 )) --policy round_robin --log-level warn --prefix-index-path "$SNAP/prefix-index.dat" --worker-urls "$urls"
    local drover=$LAST_PID
    wait_http "http://127.0.0.1:$(( BASE + 900 ))/readiness"
    local t0 cpu0; t0=$(awk '{print $14+$15}' "/proc/$drover/stat"); cpu0=$t0
    "${JAVA[@]}" -Xmx3g -cp "$CP" io.drover.bench.WorkloadGen --url "http://127.0.0.1:$(( BASE + 900 ))" --workload chat \
        --output-len "$TOKENS" --stream --mode closed --concurrency "$n" --ramp-secs "$RAMP_SECS" \
        --duration-secs "$STREAM_SECS" --drain-secs 20 --timeout-secs 60 --label "streams-$n" \
        --json-out "$OUT/streams-$n.json" >"$LOGS/streams-$n.out" 2>&1 &
    local gen=$!; PIDS+=("$gen")
    sleep $(( RAMP_SECS + (STREAM_SECS - RAMP_SECS) / 2 ))
    local heap threads; heap=$(heap_used_mb "$drover"); threads=$(status_kb "$drover" Threads)
    wait "$gen" || true
    local hwm cpu1; hwm=$(status_kb "$drover" VmHWM); cpu1=$(awk '{print $14+$15}' "/proc/$drover/stat")
    tail -n 8 "$LOGS/streams-$n.out" >&2
    "${JAVA[@]}" -cp "$CP" io.drover.bench.ScaleRow "$OUT/streams-$n.json" "$n" "$heap" "$(( hwm / 1024 ))" "$threads" \
        "$(awk -v a="$cpu0" -v b="$cpu1" -v t="$CLK_TCK" 'BEGIN {printf "%.1f", (b - a) / t}')" >>"$SUMMARY"
    stop "$drover"; stop "$mock"
  done
  echo >>"$SUMMARY"
}

part_b() {
  local n
  echo "| registered workers | direct p50 µs | direct p99 µs | Drover p50 µs | Drover p99 µs | +p50 µs | +p99 µs | Drover req/s | errors | Drover ready after |" >>"$SUMMARY"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" >>"$SUMMARY"
  for n in $WORKERS; do
    echo "scale: (b) $n registered workers" >&2
    start_bg "mock-b-$n" "${JAVA[@]}" -Xmx2g -cp "$SNAP/drover.jar" io.drover.mock.MockWorkerCommand --http-base-port "$BASE" \
        --http-count "$n" --output-tokens 8
    local mock=$LAST_PID urls="" i t0 ready
    wait_http "http://127.0.0.1:$(( BASE + n - 1 ))/health"
    for i in $(seq 0 $(( n - 1 ))); do urls="$urls${urls:+,}http://127.0.0.1:$(( BASE + i ))"; done
    t0=$(date +%s.%N)
    start_bg "drover-b-$n" "${DROVER_CMD[@]}" --host 127.0.0.1 --port $(( BASE + 4900 )) --prometheus-host 127.0.0.1 \
        --prometheus-port $(( BASE + 4901 )) --policy round_robin --log-level warn --prefix-index-path "$SNAP/prefix-index.dat" --worker-urls "$urls"
    local drover=$LAST_PID
    wait_http "http://127.0.0.1:$(( BASE + 4900 ))/readiness"
    ready=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f s", b - a}')
    local lg=("${JAVA[@]}" -Xmx1g -cp "$CP" io.drover.bench.LoadGen --concurrency 16 --clk-tck "$CLK_TCK")
    "${lg[@]}" --url "http://127.0.0.1:$BASE/v1/chat/completions" --duration-secs "$LAT_SECS" --warmup-secs 2 \
        --label "workers-$n.direct" --json-out "$OUT/workers-$n.direct.json" >"$LOGS/workers-$n.direct.out" 2>&1 || true
    "${lg[@]}" --url "http://127.0.0.1:$(( BASE + 4900 ))/v1/chat/completions" --duration-secs "$LAT_SECS" --warmup-secs 10 \
        --cpu-pid "drover=$drover" --label "workers-$n.drover" --json-out "$OUT/workers-$n.drover.json" \
        >"$LOGS/workers-$n.drover.out" 2>&1 || true
    "${JAVA[@]}" -cp "$CP" io.drover.bench.ScaleRow --workers "$n" "$OUT/workers-$n.direct.json" "$OUT/workers-$n.drover.json" "$ready" >>"$SUMMARY"
    stop "$drover"; stop "$mock"
  done
}

for p in $PARTS; do "part_$p"; done
cat "$SUMMARY"
