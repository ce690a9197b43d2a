#!/usr/bin/env bash
# Peers side by side on 127.0.0.1, all in one run: the same closed-loop loads (bench LoadGen; non-streamed and
# streamed, concurrency 1 / 64 / 256) sent directly to a mock worker, through Drover, through nginx and through
# HAProxy (Debian packages, installed with apt-get when missing; configs generated into target/peers/; upstream
# keep-alive on every proxy). Reports req/s, p50/p99/p99.9, errors and each proxy's CPU per request
# (utime+stime of all its processes from /proc/PID/stat over the measured window), as ratios to nginx and to direct.
# Env: DURATION (measured s per run, default 5), WARMUP (s before each measured run, default 1),
#      JVM_WARMUP (s of load on Drover before its first measurement, default 10), BASE_PORT (19400),
#      CONCURRENCY ("1 64 256"), TOKENS (8). Takes about 6-7 minutes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export JAVA_HOME="${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
DURATION="${DURATION:-5}"; WARMUP="${WARMUP:-1}"; JVM_WARMUP="${JVM_WARMUP:-10}"; BASE="${BASE_PORT:-19400}"
CONCURRENCY="${CONCURRENCY:-1 64 256}"; TOKENS="${TOKENS:-8}"
OUT="$ROOT/target/peers"; LOGS="$OUT/logs"; CLK_TCK="$(getconf CLK_TCK)"
mkdir -p "$OUT" "$LOGS"
rm -f "$OUT"/*.json
source "$ROOT/bench/lib.sh"

if ! command -v nginx >/dev/null || ! command -v haproxy >/dev/null; then
  echo "peers: installing nginx and haproxy (apt-get) ..." >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx-light haproxy >&2 \
    || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx haproxy >&2
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"; HAPROXY="$(command -v haproxy || echo /usr/sbin/haproxy)"

bench_build
bench_snapshot
JAVA_BENCH=("$JAVA_HOME/bin/java" -XX:+UseParallelGC -Xms256m -Xmx1g -cp "$CP")

W=$BASE; DROVER=$(( BASE + 1 )); NGX=$(( BASE + 2 )); HAP=$(( BASE + 3 ))
UP="127.0.0.1:$W"

cat >"$OUT/nginx.conf" <<NGINX_CONF
worker_processes 2;
pid $OUT/nginx.pid;
error_log $LOGS/nginx-error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $OUT/nginx-tmp/body; proxy_temp_path $OUT/nginx-tmp/proxy;
  fastcgi_temp_path $OUT/nginx-tmp/fastcgi; uwsgi_temp_path $OUT/nginx-tmp/uwsgi; scgi_temp_path $OUT/nginx-tmp/scgi;
  keepalive_requests 10000000; keepalive_timeout 120s;
  upstream mock { server $UP; keepalive 512; keepalive_requests 10000000; }
  server {
    listen 127.0.0.1:$NGX reuseport backlog=4096;
    tcp_nodelay on;
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
    }
  }
}
NGINX_CONF
mkdir -p "$OUT/nginx-tmp"

cat >"$OUT/haproxy.cfg" <<HAPROXY_CFG
global
  nbthread 2
  maxconn 8000
defaults
  mode http
  timeout connect 5s
  timeout client 120s
  timeout server 120s
  timeout http-keep-alive 120s
  option http-keep-alive
  http-reuse always
frontend fe
  bind 127.0.0.1:$HAP
  default_backend be
backend be
  server mock $UP maxconn 4096
HAPROXY_CFG


start_bg mock "$JAVA_HOME/bin/java" -XX:+UseParallelGC -Xmx1g -cp "$SNAP/drover.jar" io.drover.mock.MockWorkerCommand \
    --http-base-port "$W" --http-count 1 --output-tokens "$TOKENS"
WORKER_PID=$LAST_PID; wait_http "http://$UP/health"
start_bg drover "${DROVER_CMD[@]}" --host 127.0.0.1 --port "$DROVER" --prometheus-host 127.0.0.1 --prometheus-port $(( BASE + 10 )) \
    --policy round_robin --log-level warn --prefix-index-path "$SNAP/prefix-index.dat" --worker-urls "http://$UP"
DROVER_PID=$LAST_PID; wait_http "http://127.0.0.1:$DROVER/readiness"
start_bg nginx "$NGINX" -p "$OUT" -c "$OUT/nginx.conf" -g "daemon off;"
NGINX_PID=$LAST_PID; wait_http "http://127.0.0.1:$NGX/health"
start_bg haproxy "$HAPROXY" -db -f "$OUT/haproxy.cfg"
HAPROXY_PID=$LAST_PID; wait_http "http://127.0.0.1:$HAP/health"

cpu_args() { # TARGET: --cpu-pid proxy.N=PID for the proxy process and its children, plus the worker
  local pid p n=0 args=(--cpu-pid "worker=$WORKER_PID")
  case "$1" in
    direct) echo "${args[@]}"; return ;;
    drover) pid=$DROVER_PID ;;
    nginx) pid=$NGINX_PID ;;
    haproxy) pid=$HAPROXY_PID ;;
  esac
  # ./drover execs java (same PID); nginx forks its workers
  for p in $pid $(pgrep -P "$pid" || true); do args+=(--cpu-pid "proxy.$n=$p"); n=$(( n + 1 )); done
  echo "${args[@]}"
}
url_of() { case "$1" in direct) echo "http://$UP" ;; drover) echo "http://127.0.0.1:$DROVER" ;;
  nginx) echo "http://127.0.0.1:$NGX" ;; haproxy) echo "http://127.0.0.1:$HAP" ;; esac; }

loadgen() { # LABEL TARGET CONCURRENCY STREAM DURATION WARMUP
  local extra=(); [ "$4" = 1 ] && extra+=(--stream)
  # shellcheck disable=SC2046
  "${JAVA_BENCH[@]}" io.drover.bench.LoadGen --url "$(url_of "$2")/v1/chat/completions" --concurrency "$3" \
      --duration-secs "$5" --warmup-secs "$6" --label "$1" --json-out "$OUT/$1.json" --clk-tck "$CLK_TCK" \
      $(cpu_args "$2") "${extra[@]}" >"$LOGS/$1.out" 2>&1 || echo "peers: $1 reported errors" >&2
  grep -m1 'requests=' "$LOGS/$1.out" | sed "s/^/peers: $1 /" >&2 || true
}

T0=$(date +%s)
# the JVM needs ~8-10 s of load before its numbers are steady: warm Drover (and, briefly, the others) first
loadgen warmup-drover drover 64 0 "$JVM_WARMUP" 0
loadgen warmup-drover-stream drover 64 1 3 0
for t in direct nginx haproxy; do loadgen "warmup-$t" "$t" 64 0 2 0; done
for s in 0 1; do
  kind=$([ "$s" = 1 ] && echo stream || echo plain)
  for c in $CONCURRENCY; do
    for t in direct drover nginx haproxy; do
      loadgen "peers-$kind-c$c.$t" "$t" "$c" "$s" "$DURATION" "$WARMUP"
    done
  done
done
# p99 added latency at half of Drover's peak: open loop (Poisson) at half the best Drover req/s measured above
PEAK=$(for f in "$OUT"/peers-plain-c*.drover.json; do grep -m1 '"requestsPerSec"' "$f" | tr -dc '0-9.\n'; done | sort -g | tail -n1)
HALF=$(awk -v p="${PEAK:-0}" 'BEGIN {printf "%d", p / 2}')
if [ "${HALF:-0}" -gt 0 ]; then
  for t in direct drover; do
    "${JAVA_BENCH[@]}" io.drover.bench.WorkloadGen --url "$(url_of "$t")" --workload chat --mode open --rate "$HALF" \
        --duration-secs "$DURATION" --drain-secs 5 --label "halfpeak.$t" --json-out "$OUT/halfpeak.$t.json" \
        >"$LOGS/halfpeak.$t.out" 2>&1 || echo "peers: halfpeak.$t failed" >&2
  done
fi
{
  echo "# peers $(date -u +%Y-%m-%dT%H:%M:%SZ): DURATION=${DURATION}s WARMUP=${WARMUP}s JVM_WARMUP=${JVM_WARMUP}s, $(( $(date +%s) - T0 )) s, nproc=$(nproc), $("$NGINX" -v 2>&1), $("$HAPROXY" -v | head -1 | cut -d' ' -f1-3)"
  "${JAVA_BENCH[@]}" io.drover.bench.PeersSummary "$OUT"
  echo
  echo "Open loop (Poisson) at half of Drover's peak non-streamed req/s (peak ${PEAK:-?} req/s), non-streamed, ${DURATION}s:"
  echo
  echo "| rate req/s | achieved direct / Drover | direct p50 µs | direct p99 µs | Drover p50 µs | Drover p99 µs | +p50 µs | +p99 µs | errors d / D |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|---|"
  "${JAVA_BENCH[@]}" io.drover.bench.ScaleRow --open "$HALF" "$OUT/halfpeak.direct.json" "$OUT/halfpeak.drover.json"
} | tee "$OUT/summary.md"
