#!/usr/bin/env bash
# Added latency at fixed offered rates (open loop, Poisson arrivals; bench WorkloadGen), non-streamed, directly at a
# canned mock worker and through Drover, one rate after another:  bench/openloop.sh [RATE...]  (default 1000 2000 3500)
# Issue #3's latency target is defined at half of Drover's peak throughput: take the peak from bench/peers.sh.
# Env: DURATION (s per rate, default 6), JVM_WARMUP (s of closed-loop load on Drover first, default 10), BASE_PORT (19450).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export JAVA_HOME="${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
DURATION="${DURATION:-6}"; JVM_WARMUP="${JVM_WARMUP:-10}"; BASE="${BASE_PORT:-19450}"
RATES=("$@"); [ ${#RATES[@]} -gt 0 ] || RATES=(1000 2000 3500)
OUT="$ROOT/target/openloop"; LOGS="$OUT/logs"; mkdir -p "$OUT" "$LOGS"; rm -f "$OUT"/*.json
source "$ROOT/bench/lib.sh"
bench_build
bench_snapshot
JAVA=("$JAVA_HOME/bin/java" -XX:+UseParallelGC)
"${JAVA[@]}" -Xmx1g -cp "$SNAP/drover.jar" io.drover.mock.MockWorkerCommand --http-base-port "$BASE" --http-count 1 \
    --output-tokens 8 >"$LOGS/mock.log" 2>&1 & PIDS+=("$!")
wait_http "http://127.0.0.1:$BASE/health"
"${JAVA[@]}" --sun-misc-unsafe-memory-access=allow -jar "$SNAP/drover.jar" --host 127.0.0.1 --port $(( BASE + 1 )) \
    --prometheus-host 127.0.0.1 --prometheus-port $(( BASE + 2 )) --policy round_robin --log-level warn \
    --prefix-index-path "$SNAP/prefix-index.dat" --worker-urls "http://127.0.0.1:$BASE" >"$LOGS/drover.log" 2>&1 & PIDS+=("$!")
wait_http "http://127.0.0.1:$(( BASE + 1 ))/readiness"
"${JAVA[@]}" -Xmx1g -cp "$CP" io.drover.bench.LoadGen --url "http://127.0.0.1:$(( BASE + 1 ))/v1/chat/completions" \
    --concurrency 64 --duration-secs "$JVM_WARMUP" --warmup-secs 0 >"$LOGS/warmup.out" 2>&1 || true
"${JAVA[@]}" -Xmx1g -cp "$CP" io.drover.bench.LoadGen --url "http://127.0.0.1:$BASE/v1/chat/completions" \
    --concurrency 64 --duration-secs 3 --warmup-secs 0 >"$LOGS/warmup-direct.out" 2>&1 || true
{
  echo "# openloop $(date -u +%Y-%m-%dT%H:%M:%SZ) nproc=$(nproc) DURATION=${DURATION}s, non-streamed 8-token chat"
  echo
  echo "| rate req/s | achieved direct / Drover | direct p50 µs | direct p99 µs | Drover p50 µs | Drover p99 µs | +p50 µs | +p99 µs | errors d / D |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|---|"
} >"$OUT/summary.md"
for r in "${RATES[@]}"; do
  for t in direct drover; do
    port=$BASE; [ "$t" = drover ] && port=$(( BASE + 1 ))
    "${JAVA[@]}" -Xms256m -Xmx1g -cp "$CP" io.drover.bench.WorkloadGen --url "http://127.0.0.1:$port" --workload chat \
        --mode open --rate "$r" --duration-secs "$DURATION" --drain-secs 5 --label "open-$r.$t" \
        --json-out "$OUT/open-$r.$t.json" >"$LOGS/open-$r.$t.out" 2>&1 || echo "openloop: $r $t failed" >&2
  done
  "${JAVA[@]}" -cp "$CP" io.drover.bench.ScaleRow --open "$r" "$OUT/open-$r.direct.json" "$OUT/open-$r.drover.json" >>"$OUT/summary.md"
done
cat "$OUT/summary.md"
