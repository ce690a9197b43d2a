#!/usr/bin/env bash
# Policy comparison on 127.0.0.1: one workload (bench WorkloadGen) through Drover once per routing policy,
# over one realistic mock fleet, plus an "oracle" run (the load generator routes by the workers' caches).
#   bench/policies.sh [POLICY...]      default: random round_robin power_of_two passthrough cache_aware
#                                      least_load prefix_hash consistent_hashing manual bucket oracle
# A policy Drover refuses (exit at startup) is skipped with a message.
# Env: WORKLOAD (mooncake|gsp, default mooncake), WORKERS (8), REQUESTS (1200: the first 411 s of the trace), TIME_SCALE (12), MAX_OUTPUT (64),
#      PREFILL_TPS (96000: at TIME_SCALE 12 the fleet can prefill about 1.6x the offered uncached tokens),
#      DURATION (60 s cap per policy), BASE_PORT (19300), STREAM (1);
#      gsp: RATE (16 req/s), GSP_GROUPS (16), GSP_PROMPTS (16), GSP_SYSTEM (2048 tokens), GSP_QUESTION (128), OUTPUT_LEN (64).
# Writes target/policies-WORKLOAD/POLICY.json, POLICY.hlog, report.html and prints a markdown table.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export JAVA_HOME="${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
WORKLOAD="${WORKLOAD:-mooncake}"; WORKERS="${WORKERS:-8}"; REQUESTS="${REQUESTS:-1200}"; TIME_SCALE="${TIME_SCALE:-12}"
MAX_OUTPUT="${MAX_OUTPUT:-64}"; PREFILL_TPS="${PREFILL_TPS:-96000}"; DURATION="${DURATION:-60}"
BASE="${BASE_PORT:-19300}"; STREAM="${STREAM:-1}"; RATE="${RATE:-16}"
GSP=(--gsp-groups "${GSP_GROUPS:-16}" --gsp-prompts "${GSP_PROMPTS:-16}" --gsp-system-len "${GSP_SYSTEM:-2048}"
     --gsp-question-len "${GSP_QUESTION:-128}" --output-len "${OUTPUT_LEN:-64}")
POLICIES=("$@")
[ ${#POLICIES[@]} -gt 0 ] || POLICIES=(random round_robin power_of_two passthrough cache_aware least_load prefix_hash \
    consistent_hashing manual bucket oracle)
OUT="$ROOT/target/policies-$WORKLOAD"; LOGS="$ROOT/target/bench-logs"
mkdir -p "$OUT" "$LOGS"
rm -f "$OUT"/*.json "$OUT"/*.hlog
source "$ROOT/bench/lib.sh"

bench_build
bench_snapshot
JAVA=("$JAVA_HOME/bin/java" -XX:+UseParallelGC -Xms256m -Xmx2g -cp "$CP")

"$JAVA_HOME/bin/java" -XX:+UseParallelGC -Xmx2g -cp "$SNAP/drover.jar" io.drover.mock.MockWorkerCommand \
    --http-base-port "$BASE" --http-count "$WORKERS" --engine realistic --output-tokens 100000 \
    --prefill-tps "$PREFILL_TPS" >"$LOGS/policies-mock.log" 2>&1 &
MOCK=$!; PIDS+=("$MOCK")
URLS=""
for i in $(seq 0 $(( WORKERS - 1 ))); do URLS="$URLS${URLS:+,}http://127.0.0.1:$(( BASE + i ))"; done
for i in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$BASE/health" && break; sleep 0.2; done

ARGS=(--workload "$WORKLOAD" --mode open --duration-secs "$DURATION" --drain-secs 30 --max-requests "$REQUESTS"
      --worker-urls "$URLS" --max-output "$MAX_OUTPUT" --time-scale "$TIME_SCALE")
[ "$STREAM" = 1 ] && ARGS+=(--stream)
[ "$WORKLOAD" = mooncake ] || ARGS+=(--rate "$RATE" "${GSP[@]}")
DPORT=$(( BASE + 90 ))
RAN=()
for p in "${POLICIES[@]}"; do
  for i in $(seq 0 $(( WORKERS - 1 ))); do     # every policy starts from cold caches
    curl -sf -o /dev/null -XPOST "http://127.0.0.1:$(( BASE + i ))/flush_cache" || true
    curl -sf -o /dev/null -XPOST "http://127.0.0.1:$(( BASE + i ))/mock/reset" || true
  done
  if [ "$p" = oracle ]; then
    echo "policies: oracle (load generator routes to the worker with the longest cached prefix)" >&2
    "${JAVA[@]}" io.drover.bench.WorkloadGen --oracle "${ARGS[@]}" --label oracle --json-out "$OUT/oracle.json" \
        --hlog "$OUT/oracle.hlog" | tail -n 8 || echo "policies: oracle run failed" >&2
    RAN+=("$OUT/oracle.json"); continue
  fi
  "${DROVER_CMD[@]}" --host 127.0.0.1 --port "$DPORT" --prometheus-host 127.0.0.1 --prometheus-port $(( DPORT + 1 )) \
      --policy "$p" --log-level warn --worker-urls "$URLS" --prefix-index-path "$SNAP/prefix-index-$p.dat" \
      >"$LOGS/policies-drover-$p.log" 2>&1 &
  DR=$!; PIDS+=("$DR"); up=0
  for i in $(seq 1 100); do
    if ! kill -0 "$DR" 2>/dev/null; then break; fi
    if curl -sf -o /dev/null "http://127.0.0.1:$DPORT/readiness"; then up=1; break; fi
    sleep 0.2
  done
  if [ "$up" != 1 ]; then
    echo "policies: SKIP $p: Drover refused it: $(grep -m1 -i 'policy\|error' "$LOGS/policies-drover-$p.log" || tail -n1 "$LOGS/policies-drover-$p.log")" >&2
    kill "$DR" 2>/dev/null || true; wait "$DR" 2>/dev/null || true; continue
  fi
  echo "policies: $p" >&2
  "${JAVA[@]}" io.drover.bench.WorkloadGen --url "http://127.0.0.1:$DPORT" "${ARGS[@]}" --label "$p" \
      --json-out "$OUT/$p.json" --hlog "$OUT/$p.hlog" | tail -n 8 || echo "policies: $p run failed" >&2
  kill "$DR" 2>/dev/null || true; wait "$DR" 2>/dev/null || true
  rm -f "$SNAP/prefix-index-$p.dat"   # a fresh, private prefix index per policy (the default file is shared by the host)
  [ -f "$OUT/$p.json" ] && RAN+=("$OUT/$p.json")
done
[ ${#RAN[@]} -gt 0 ] || { echo "policies: nothing ran" >&2; exit 1; }
echo
echo "# policies $(date -u +%Y-%m-%dT%H:%M:%SZ) workload=$WORKLOAD workers=$WORKERS requests=$REQUESTS time_scale=$TIME_SCALE max_output=$MAX_OUTPUT prefill_tps=$PREFILL_TPS nproc=$(nproc)"
"${JAVA[@]}" io.drover.bench.Report --table --out "$OUT/report.html" "${RAN[@]}"
