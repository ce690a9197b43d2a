# syntax=docker/dockerfile:1
#
# Drover container image: build the shaded jar with Maven on JDK 25, run it on a full JDK 25.
#
#   docker build -t drover .
#   docker run --rm -p 30000:30000 -p 29000:29000 drover                 # bundled mock fleet
#   docker run --rm -p 30000:30000 -p 29000:29000 drover \
#       --worker-urls http://gpu1:30001 http://gpu2:30001 --policy round_robin
#
# Arguments after the image name replace the default CMD (--host 0.0.0.0); --host already
# defaults to 0.0.0.0, so leaving it out is fine. Let `docker stop -t 200` (or
# `--stop-timeout 200` on `docker run`) give in-flight requests the default 180 s drain.

############################ build stage ############################
FROM maven:3.9-eclipse-temurin-25 AS build
WORKDIR /src

# The whole tree (filtered by .dockerignore): pom.xml, .mvn/, src/, mock-worker/, bench/ if present.
COPY . .

# Tests are not compiled or run here (run `./drover test` before building the image).
# The cache mount keeps ~/.m2 between builds (BuildKit, the default builder since Docker 23).
RUN --mount=type=cache,target=/root/.m2 \
    mvn -B -q -Dmaven.test.skip=true package \
 && test -s target/drover.jar

############################ run stage ##############################
# A full JDK, not a jlink'd runtime: Chronicle Map (the off-heap prefix index of cache_aware)
# compiles classes at run time with javac (module jdk.compiler).
FROM eclipse-temurin:25-jdk

# curl for the HEALTHCHECK only.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*

# An unprivileged system account; its home is the state directory.
RUN groupadd --system drover \
 && useradd --system --gid drover --home-dir /var/lib/drover --no-create-home \
        --shell /usr/sbin/nologin drover \
 && install -d -o drover -g drover -m 0750 /var/lib/drover /var/log/drover \
 && install -d -o root -g root -m 0755 /opt/drover

COPY --from=build --chown=root:root --chmod=0644 /src/target/drover.jar /opt/drover/drover.jar

USER drover:drover
WORKDIR /var/lib/drover

# 30000: data plane (--port); 29000: Prometheus /metrics (--prometheus-port).
EXPOSE 30000 29000

# Liveness only (200 while the process runs, also while draining). Change DROVER_HEALTH_URL when
# --port is not 30000. Readiness (/readiness, 503 until a worker is healthy) is for the orchestrator.
ENV DROVER_HEALTH_URL=http://127.0.0.1:30000/liveness
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS -o /dev/null --max-time 2 "$DROVER_HEALTH_URL" || exit 1

# SIGTERM (docker stop) drains: readiness and new requests answer 503, in-flight requests get
# up to --shutdown-grace-period-secs (180), then the JVM exits 0.
STOPSIGNAL SIGTERM

# The jar's manifest carries the Add-Opens/Add-Exports/Enable-Native-Access entries; heap and other
# JVM options can be added with -e JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75".
ENTRYPOINT ["java", "--sun-misc-unsafe-memory-access=allow", "-XX:+UseParallelGC", "-jar", "/opt/drover/drover.jar"]
CMD ["--host", "0.0.0.0"]
