#!/bin/bash
# Hub services benchmark: a private PostgreSQL seeded with 1,000,000 people by
# `zizhu-hub seed-demo` (timed), then `zizhu-bench hub-services` against a release zizhu-hub:
# signed records queries and /verify requests through the hub vs the same lookups as raw SQL,
# in the same run (the ratio).
#
#   kiosk/bench/hub-services.sh [--people N] [extra zizhu-bench hub-services options]
#   (as root, after kiosk/test.sh has installed packages)
set -euo pipefail
cd "$(dirname "$0")/../.."
source kiosk/lib/common.sh
zizhu_require_root
zizhu_find_swift
people=1000000
if [ "${1:-}" = "--people" ]; then people=$2; shift 2; fi
today=$(TZ=Asia/Shanghai date +%F)
# A build folder of its own, so a benchmark build never waits on (or for) the debug build.
scratch=.build-release
swift build -c release --scratch-path "$scratch" --product zizhu-bench >/dev/null
swift build -c release --scratch-path "$scratch" --product zizhu-hub >/dev/null
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)
work=$(mktemp -d /tmp/zizhu-bench-XXXXXX)
chmod 0755 "$work"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pg_port=$((40000 + RANDOM % 20000))
cleanup() {
    [ -f "$work/pg/data/postmaster.pid" ] && runuser -u postgres -- "$pg_bin/pg_ctl" stop -D "$work/pg/data" -m fast >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

zizhu_log "PostgreSQL (private server on port $pg_port)"
mkdir -p "$work/pg/run"
chown -R postgres:postgres "$work/pg"
runuser -u postgres -- "$pg_bin/initdb" -D "$work/pg/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
runuser -u postgres -- "$pg_bin/pg_ctl" start -w -D "$work/pg/data" -l "$work/pg/postgres.log" \
    -o "-p $pg_port -k $work/pg/run -c listen_addresses=127.0.0.1 -c max_connections=200" >/dev/null
url="postgres://postgres@127.0.0.1:$pg_port/postgres"

zizhu_log "seed-demo: $people people for $today"
(cd "$work" && ZIZHU_LOG_LEVEL=warning "$bin/zizhu-hub" seed-demo --database "$url" --people "$people" --today "$today" \
    --cards "$OLDPWD/assets/cards")
"$bin/zizhu-bench" hub-services --database "$url" --hub "$bin/zizhu-hub" --people "$people" --today "$today" "$@"
