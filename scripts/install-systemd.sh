#!/usr/bin/env bash
# Installs Drover as a systemd service. Idempotent: re-running changes only what differs, and an
# existing /etc/drover/drover.env is never overwritten. Prints every action it takes.
#
#   sudo scripts/install-systemd.sh [--jar PATH] [--dry-run] [--destdir DIR]
#
#   --jar PATH     jar to install (default: target/drover.jar; build it with ./drover build)
#   --dry-run      print the actions without doing them (no root needed)
#   --destdir DIR  install under DIR instead of / (staging; no user, no chown, no systemctl)
#
# Afterwards: edit /etc/drover/drover.env, then `systemctl enable --now drover`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/target/drover.jar"
DRY=0
DEST=""
JAVA_BIN=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java

while [ $# -gt 0 ]; do
  case "$1" in
    --jar) JAR="$2"; shift 2 ;;
    --dry-run) DRY=1; shift ;;
    --destdir) DEST="${2%/}"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-systemd: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

if [ "$DRY" -eq 0 ] && [ -z "$DEST" ] && [ "$(id -u)" -ne 0 ]; then
  echo "install-systemd: must run as root (try: sudo $0, or --dry-run to see the actions)" >&2
  exit 1
fi

say() { echo "install-systemd: $*"; }
run() {
  say "+ $*"
  [ "$DRY" -eq 1 ] && return 0
  "$@" || { echo "install-systemd: failed: $*" >&2; exit 1; }
}

[ -f "$JAR" ] || { echo "install-systemd: $JAR not found; build it first with ./drover build" >&2; exit 1; }
if [ ! -x "$JAVA_BIN" ]; then
  say "warning: $JAVA_BIN is missing; install Temurin 25 there or edit ExecStart= in the unit"
fi

# install FILE to TARGET with MODE [OWNER:GROUP], only when the content or mode differs
put() {
  local src="$1" dst="$DEST$2" mode="$3" owner="${4:-root:root}"
  if [ -f "$dst" ] && cmp -s "$src" "$dst" \
     && [ "$(stat -c %a "$dst")" = "${mode#0}" ]; then
    say "unchanged $2"
    return 1
  fi
  if [ -n "$DEST" ]; then
    run install -D -m "$mode" "$src" "$dst"
  else
    run install -D -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$src" "$dst"
  fi
  return 0
}

dir() { # dir PATH MODE OWNER:GROUP
  local d="$DEST$1"
  if [ -n "$DEST" ]; then
    [ -d "$d" ] && say "exists $1" || run install -d -m "$2" "$d"
  else
    run install -d -m "$2" -o "${3%%:*}" -g "${3##*:}" "$d"
  fi
}

# 1. the service account
if [ -n "$DEST" ]; then
  say "skipping the drover user (--destdir)"
elif getent passwd drover >/dev/null; then
  say "user drover exists"
else
  run useradd --system --user-group --home-dir /var/lib/drover --no-create-home \
      --shell /usr/sbin/nologin drover
fi

# 2. directories
dir /opt/drover 0755 root:root
dir /etc/drover 0750 root:drover
dir /var/lib/drover 0750 drover:drover
dir /var/log/drover 0750 drover:drover

# 3. jar, docs, unit, settings
changed=0
put "$JAR" /opt/drover/drover.jar 0644 && changed=1 || true
[ -f "$ROOT/README.md" ] && { put "$ROOT/README.md" /opt/drover/README.md 0644 || true; }
put "$ROOT/scripts/drover.service" /etc/systemd/system/drover.service 0644 && changed=1 || true
if [ -f "$DEST/etc/drover/drover.env" ]; then
  say "kept existing /etc/drover/drover.env (example: $ROOT/scripts/drover.env)"
else
  put "$ROOT/scripts/drover.env" /etc/drover/drover.env 0640 root:drover || true
  say "edit /etc/drover/drover.env: set --worker-urls and the heap size"
fi

# 4. systemd
if [ -n "$DEST" ]; then
  say "skipping systemctl (--destdir)"
elif [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
  run systemctl daemon-reload
  if systemctl is-active --quiet drover && [ "$changed" -eq 1 ]; then
    say "drover is running an older jar or unit: systemctl restart drover"
  fi
  say "start with: systemctl enable --now drover"
else
  say "systemd is not running here; nothing was started"
fi
